import { deadLetterTopic } from '@restock/contracts';
import { InputRetentionPolicy, inputIdKeepMs, ProcessedInputsPruner, REDELIVERY_MARGIN_MS, TopicRetention, topicRetentions } from '@restock/messaging';
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

function whyForever(policy: InputRetentionPolicy, topics: readonly TopicRetention[]): string | null {
  if (policy.kind === 'forever') return 'the retention is forever';
  if (topics.length === 0) return 'none of its topics exists yet';
  const forever = topics.find((topic) => topic.compactedOnly || topic.retentionMs < 0);
  if (forever) return `${forever.topic} keeps messages forever (${forever.compactedOnly ? 'cleanup.policy compact' : 'retention.ms -1'})`;
  return null;
}

function days(ms: number): string {
  return `${(ms / DAY_MS).toFixed(ms % DAY_MS === 0 ? 0 : 1)} d`;
}

function describe(output: Output, report: ProcessedInputsReport): void {
  const span = report.oldest === null ? '' : `, latest deliveries from ${report.oldest} to ${report.newest}`;
  output.line(`${report.service}: ${report.ids} processed input ids${span}`);
  if (report.keepMs === null) output.line(`  kept forever: ${report.keptForever}`);
  else output.line(`  kept ${days(report.keepMs)} after their latest delivery (their topics' longest retention + segment time, plus ${days(REDELIVERY_MARGIN_MS)}, or the minimum asked for)`);
  if (report.keepMs !== null) output.line(`  past that: ${report.pastWindow}${report.pruned === null ? '' : `; pruned now: ${report.pruned}`}`);
}

/**
 * `restock inputs`: per consuming service, how many processed input ids it holds, how long it keeps
 * them by the broker's topic settings, and how many are past that; `--prune` deletes those now
 * (the services do it every hour), as the services would, a million at most per service.
 */
export async function processedInputs(environment: Environment, output: Output, options: ProcessedInputsOptions): Promise<number> {
  const policy = policyOf(options.retention);
  const services = options.service ? [options.service] : registeredServices();
  const reports: ProcessedInputsReport[] = [];
  const admin = environment.kafka.admin();
  await admin.connect();
  try {
    for (const name of services) {
      const operations = await operationsOf(name);
      if (operations.consumedTopics.length === 0) {
        if (options.service) throw new CliError(EXIT.notFound, `service ${name} consumes no topic, so it records no input ids`);
        continue;
      }
      const db = environment.database(operations.service);
      const physical = operations.consumedTopics.flatMap((topic) => [environment.namer.physical(topic), environment.namer.physical(deadLetterTopic(topic))]);
      const topics = await topicRetentions(admin, physical);
      const keepMs = inputIdKeepMs(topics, policy);
      const counts = async () =>
        (
          await db.query<{ ids: number; oldest: Date | null; newest: Date | null; past: number }>(
            `SELECT count(*)::int AS ids, min(processed_at) AS oldest, max(processed_at) AS newest,
                    count(*) FILTER (WHERE $2::bigint IS NOT NULL AND processed_at < now() - make_interval(secs => $2::double precision / 1000))::int AS past
             FROM processed_inputs WHERE consumer = $1`,
            [operations.service, keepMs],
          )
        ).rows[0]!;
      let pruned: number | null = null;
      if (options.prune && keepMs !== null) {
        const pruner = new ProcessedInputsPruner({ db, kafka: environment.kafka, namer: environment.namer, consumerName: operations.service, topics: operations.consumedTopics, policy });
        pruned = (await pruner.runOnce()).deleted;
      }
      const after = await counts();
      const report: ProcessedInputsReport = {
        service: operations.service,
        ids: after.ids,
        oldest: after.oldest?.toISOString() ?? null,
        newest: after.newest?.toISOString() ?? null,
        keepMs,
        keptForever: keepMs === null ? whyForever(policy, topics) : null,
        pastWindow: after.past,
        pruned,
      };
      reports.push(report);
      describe(output, report);
    }
  } finally {
    await admin.disconnect();
  }
  output.result({ services: reports });
  return EXIT.ok;
}
