import 'reflect-metadata';
import { ordersService } from '@restock/orders-adapters';
import { loadServiceConfig, startService } from '@restock/platform';

async function main(): Promise<void> {
  const config = loadServiceConfig('orders');
  const service = await startService(config, ordersService(config));
  process.stdout.write(`${JSON.stringify({ service: 'orders', msg: 'listening', url: service.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ service: 'orders', msg: 'failed to start', error: String(error) })}\n`);
  process.exit(1);
});
