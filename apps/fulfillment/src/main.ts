import 'reflect-metadata';
import { fulfillmentService } from '@restock/fulfillment-adapters';
import { loadServiceConfig, startService } from '@restock/platform';

async function main(): Promise<void> {
  const config = loadServiceConfig('fulfillment');
  const service = await startService(config, fulfillmentService(config));
  process.stdout.write(`${JSON.stringify({ service: 'fulfillment', msg: 'listening', url: service.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ service: 'fulfillment', msg: 'failed to start', error: String(error) })}\n`);
  process.exit(1);
});
