import { processedInputStats } from '@restock/event-store';
import { InputRetentionPolicy, ProcessedInputsPruner, REDELIVERY_MARGIN_MS } from '@restock/messaging';
import { ConfigError, parseInputRetention } from '@restock/platform';
import { Environment } from '../environment';
import { CliError, EXIT } from '../exit-codes';
import { Output } from '../output';
import { operationsOf, registeredServices } from '../service-registry';

const DAY_MS = 86_400_000;

export interface ProcessedInputsOptions {
  readonly service?: string;
  readonly retention?: string;
  readonly prune?: boolean;
}

export interface ProcessedInputsReport {
  readonly service: string;
  readonly ids: number;
  readonly oldest: string | null;
  readonly newest: string | null;
  /** How long an id is kept after its latest delivery; null: forever. */
  readonly keepMs: number | null;
  /** Why ids are kept forever, when they are. */
  readonly keptForever: string | null;
  /** Ids delivered last longer ago than keepMs: what the service's next prune run deletes. */
  readonly pastWindow: number;
  /** With --prune: how many this command deleted. */
  readonly pruned: number | null;
}

function policyOf(raw: string | undefined): InputRetentionPolicy {
  try {
    return parseInputRetention(raw);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(EXIT.usage, error.message.replace('RESTOCK_PROCESSED_INPUTS_RETENTION', '--retention'));
    throw error;
  }
}

function days(ms: number): string {
  return `${(ms / DAY_MS).toFixed(ms % DAY_MS === 0 ? 0 : 1)} d`;
}

function describe(output: Output, report: ProcessedInputsReport): void {
  const span = report.oldest === null ? '' : `, latest deliveries from ${report.oldest} to ${report.newest}`;
  output.line(`${report.service}: ${report.ids} processed input ids${span}`);
  if (report.keepMs === null) {
    output.line(`  kept forever: ${report.keptForever}`);
    return;
  }
  output.line(`  kept ${days(report.keepMs)} after their latest delivery (their topics' longest retention + segment time, plus ${days(REDELIVERY_MARGIN_MS)}, or the minimum asked for)`);
  output.line(`  past that: ${report.pastWindow}${report.pruned === null ? '' : `; pruned now: ${report.pruned}`}`);
}

/**
 * `restock inputs`: per consuming service, how many processed input ids it holds, how long it keeps
 * them by the broker's topic settings, and how many are past that; `--prune` deletes those now
 * (the services do it every hour) with the services' own pruner, a million at most per service.
 */
export async function processedInputs(environment: Environment, output: Output, options: ProcessedInputsOptions): Promise<number> {
  const policy = policyOf(options.retention);
  const services = options.service ? [options.service] : registeredServices();
  const reports: ProcessedInputsReport[] = [];
  for (const name of services) {
    const operations = await operationsOf(name);
    if (operations.consumedTopics.length === 0) {
      if (options.service) throw new CliError(EXIT.notFound, `service ${name} consumes no topic, so it records no input ids`);
      continue;
    }
    const db = environment.database(operations.service);
    const pruner = new ProcessedInputsPruner({ db, kafka: environment.kafka, namer: environment.namer, consumerName: operations.service, topics: operations.consumedTopics, policy });
    const { keepMs, keptForever } = await pruner.retention();
    const pruned = options.prune && keepMs !== null ? (await pruner.prune(keepMs)).deleted : null;
    const stats = await processedInputStats(db, operations.service, keepMs);
    const report: ProcessedInputsReport = {
      service: operations.service,
      ids: stats.ids,
      oldest: stats.oldest?.toISOString() ?? null,
      newest: stats.newest?.toISOString() ?? null,
      keepMs,
      keptForever,
      pastWindow: stats.pastKeep,
      pruned,
    };
    reports.push(report);
    describe(output, report);
  }
  output.result({ services: reports });
  return EXIT.ok;
}
