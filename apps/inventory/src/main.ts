import 'reflect-metadata';
import { inventoryService } from '@restock/inventory-adapters';
import { loadServiceConfig, startService } from '@restock/platform';

async function main(): Promise<void> {
  const config = loadServiceConfig('inventory');
  const service = await startService(config, inventoryService(config));
  process.stdout.write(`${JSON.stringify({ service: 'inventory', msg: 'listening', url: service.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ service: 'inventory', msg: 'failed to start', error: String(error) })}\n`);
  process.exit(1);
});
