import 'reflect-metadata';
import { catalogService } from '@restock/catalog-adapters';
import { loadServiceConfig, startService } from '@restock/platform';

async function main(): Promise<void> {
  const config = loadServiceConfig('catalog');
  const service = await startService(config, catalogService(config));
  process.stdout.write(`${JSON.stringify({ service: 'catalog', msg: 'listening', url: service.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ service: 'catalog', msg: 'failed to start', error: String(error) })}\n`);
  process.exit(1);
});
