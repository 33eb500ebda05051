import 'reflect-metadata';
import { supplierReceiptsService } from '@restock/supplier-receipts-adapters';
import { loadServiceConfig, startService } from '@restock/platform';

async function main(): Promise<void> {
  const config = loadServiceConfig('supplier-receipts');
  const service = await startService(config, supplierReceiptsService(config));
  process.stdout.write(`${JSON.stringify({ service: 'supplier-receipts', msg: 'listening', url: service.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ service: 'supplier-receipts', msg: 'failed to start', error: String(error) })}\n`);
  process.exit(1);
});
