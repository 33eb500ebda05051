import { ProjectionReplayResult, replayProjection } from '@restock/event-store';
import { Environment } from '../environment';
import { CliError, EXIT } from '../exit-codes';
import { Output } from '../output';
import { operationsOf, registeredServices } from '../service-registry';

export interface ReplayProjectionsOptions {
  readonly service?: string;
  readonly swap?: boolean;
}

function report(output: Output, result: ProjectionReplayResult): void {
  output.line(`${result.service}.${result.projection}: ${result.eventsRead} events in ${(result.durationMs / 1000).toFixed(1)} s (${result.eventsPerSecond} events/s)`);
  for (const table of result.tables) {
    output.line(`  ${table.table}  live: ${table.live.rows} rows ${table.live.digest}  rebuilt: ${table.rebuilt.rows} rows ${table.rebuilt.digest}  ${table.equal ? 'EQUAL' : 'DIFFERENT'}`);
  }
  if (result.swapped) output.line(`  swapped: the rebuilt tables are live; the previous ones are kept as <table>_replaced`);
}

/**
 * `restock replay projections`: rebuilds every read model of the service(s) next to the live one,
 * compares checksums and swaps only when asked. Exit 1 when a rebuilt model differs and was not swapped.
 */
export async function replayProjections(environment: Environment, output: Output, options: ReplayProjectionsOptions): Promise<number> {
  const services = options.service ? [options.service] : registeredServices();
  const results: ProjectionReplayResult[] = [];
  for (const name of services) {
    const operations = await operationsOf(name);
    const db = environment.database(operations.service);
    for (const projection of operations.projections) {
      const bar = output.progress(`${operations.service}.${projection.name}`, 'events');
      try {
        const result = await replayProjection(db, projection, {
          swap: options.swap === true,
          onProgress: (progress) => bar.update(progress.eventsRead, progress.eventsTotal),
        });
        results.push(result);
        bar.stop();
        report(output, result);
      } finally {
        bar.stop();
      }
    }
  }
  output.result({ results });
  const differing = results.filter((result) => !result.equal && !result.swapped);
  if (differing.length > 0) {
    throw new CliError(EXIT.failed, `rebuilt read model differs from the live one: ${differing.map((result) => `${result.service}.${result.projection}`).join(', ')} (run again with --swap to replace it)`);
  }
  return EXIT.ok;
}
