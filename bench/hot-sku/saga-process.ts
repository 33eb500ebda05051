// The saga part of the hot-SKU benchmark, run as its own process by hot-sku.bench.ts so that its
// RSS is measured with the fulfillment service's Node options. Arguments: lines, fills. Progress
// goes to stdout as text, the result as one JSON line.
import { sagaCosts } from './saga-costs';

async function main(): Promise<void> {
  const [lines, fills] = process.argv.slice(2).map(Number);
  if (!Number.isSafeInteger(lines) || !Number.isSafeInteger(fills)) throw new Error('usage: saga-process.ts <lines> <fills>');
  const result = await sagaCosts(lines!, fills!, (message) => process.stdout.write(`${message}\n`));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
