import { Admin, ConfigResourceTypes, Kafka } from 'kafkajs';
import { deadLetterTopic } from '@restock/contracts';
import { Database, pruneProcessedInputs, PRUNE_ROWS_PER_STATEMENT, summarizeProcessedInputs } from '@restock/event-store';
import { TopicNamer } from './kafka';

/**
 * How long a service remembers the ids of the inputs it processed (processed_inputs).
 * - `topics`: for as long as a topic could deliver an id again (inputIdKeepMs), and at least
 *   `atLeastMs`;
 * - `forever`: never forgets.
 */
export type InputRetentionPolicy = { readonly kind: 'topics'; readonly atLeastMs: number } | { readonly kind: 'forever' };

/** A topic's settings that bound how long it holds a message. */
export interface TopicRetention {
  readonly topic: string;
  /** retention.ms; -1 keeps messages forever. */
  readonly retentionMs: number;
  /** segment.ms: a message is deleted with its segment, which can outlive it by up to this long. */
  readonly segmentMs: number;
  /** cleanup.policy without `delete`: the latest message of each key stays forever. */
  readonly compactedOnly: boolean;
}

/**
 * Added to a topic's longest hold on a message: the clocks of the producer (CreateTime), the broker
 * and PostgreSQL (processed_at) may disagree, and Kafka 4 accepts timestamps up to an hour ahead.
 */
export const REDELIVERY_MARGIN_MS = 86_400_000;
export const PRUNE_INTERVAL_MS_DEFAULT = 3_600_000;
/** A run stops after this many statements (a million ids by default) and goes on at the next run. */
export const PRUNE_STATEMENTS_PER_RUN_MAX = 100;
/** The first run comes at a random moment within this long of the start, so instances spread out. */
export const PRUNE_FIRST_RUN_WITHIN_MS = 300_000;
/**
 * How long stop() waits for a run in progress. A run stuck reaching a broker that is down (the
 * client retries for half a minute) must not hold up a SIGTERM; its transaction, if any, rolls
 * back when the pool closes.
 */
export const PRUNE_STOP_WAIT_MS = 2_000;

/** How long a consumer keeps an input id after its latest delivery, and why forever when it does. */
export type InputIdRetention = { readonly keepMs: number; readonly keptForever: null } | { readonly keepMs: null; readonly keptForever: string };

/**
 * How long after its latest delivery an input id must be kept so that no delivery of it can come
 * after it is forgotten, or forever (keepMs null, with the reason). An id can come again while a
 * topic the consumer reads holds a message with it (a redelivery, an operator's replay), and while
 * that topic's dead-letter topic holds one (a redrive sends a letter back to every consumer of the
 * topic). A message is held for its topic's retention plus up to a segment's time; compacted topics
 * and retention -1 hold messages forever, and so must the consumer.
 */
export function inputIdRetention(topics: readonly TopicRetention[], policy: InputRetentionPolicy): InputIdRetention {
  if (policy.kind === 'forever') return { keepMs: null, keptForever: 'the retention is forever' };
  if (topics.length === 0) return { keepMs: null, keptForever: 'none of its topics exists yet' };
  let longestHoldMs = 0;
  for (const topic of topics) {
    if (topic.compactedOnly || topic.retentionMs < 0) {
      return { keepMs: null, keptForever: `${topic.topic} keeps messages forever (${topic.compactedOnly ? 'cleanup.policy compact' : 'retention.ms -1'})` };
    }
    longestHoldMs = Math.max(longestHoldMs, topic.retentionMs + topic.segmentMs);
  }
  return { keepMs: Math.max(policy.atLeastMs, longestHoldMs + REDELIVERY_MARGIN_MS), keptForever: null };
}

/** inputIdRetention's time alone: null is forever. */
export function inputIdKeepMs(topics: readonly TopicRetention[], policy: InputRetentionPolicy): number | null {
  return inputIdRetention(topics, policy).keepMs;
}

function numberSetting(topic: string, name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isSafeInteger(parsed)) throw new Error(`topic ${topic}: ${name} is ${JSON.stringify(value)}, not a whole number`);
  return parsed;
}

/**
 * The retention settings of the given (physical) topics as the broker applies them (a topic's own
 * value or the broker's default). Topics that do not exist are left out.
 */
export async function topicRetentions(admin: Admin, topics: readonly string[]): Promise<TopicRetention[]> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((topic) => existing.has(topic));
  if (present.length === 0) return [];
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'segment.ms', 'cleanup.policy'] })),
  });
  return described.resources.map((resource) => {
    if (resource.errorCode !== 0) throw new Error(`topic ${resource.resourceName}: DescribeConfigs failed (${resource.errorCode}: ${resource.errorMessage})`);
    const setting = (name: string) => resource.configEntries.find((entry) => entry.configName === name)?.configValue;
    const policies = (setting('cleanup.policy') ?? 'delete').split(',').map((policy) => policy.trim());
    return {
      topic: resource.resourceName,
      retentionMs: numberSetting(resource.resourceName, 'retention.ms', setting('retention.ms')),
      segmentMs: numberSetting(resource.resourceName, 'segment.ms', setting('segment.ms')),
      compactedOnly: !policies.includes('delete'),
    };
  });
}

export interface PruneRun {
  /** How long ids were kept after their latest delivery; null: kept forever, nothing pruned. */
  readonly keepMs: number | null;
  readonly deleted: number;
  /** Another instance of the service was pruning; this run left it to that one. */
  readonly yielded: boolean;
}

export interface ProcessedInputsPrunerOptions {
  readonly db: Database;
  readonly kafka: Kafka;
  readonly namer: TopicNamer;
  /** The consumer name its ids are recorded under (BatchConsumerOptions.consumerName). */
  readonly consumerName: string;
  /** The logical topics the consumer reads. */
  readonly topics: readonly string[];
  readonly policy: InputRetentionPolicy;
  readonly intervalMs?: number;
  readonly statementsPerRunMax?: number;
  readonly rowsPerStatement?: number;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  readonly onPruned?: (count: number) => void;
}

/**
 * Forgets, once an interval, the input ids of one consumer that no topic can deliver again, in
 * short transactions of PRUNE_ROWS_PER_STATEMENT rows. Instances of a service take turns: a run
 * that finds another instance pruning leaves it to that one.
 */
export class ProcessedInputsPruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopping = false;

  constructor(private readonly options: ProcessedInputsPrunerOptions) {}

  private get intervalMs(): number {
    return this.options.intervalMs ?? PRUNE_INTERVAL_MS_DEFAULT;
  }

  start(firstRunInMs = Math.random() * Math.min(this.intervalMs, PRUNE_FIRST_RUN_WITHIN_MS)): void {
    if (this.options.policy.kind === 'forever') return;
    this.schedule(firstRunInMs);
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.options.log?.('warn', 'pruning processed input ids failed; trying again at the next run', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          this.running = null;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running === null) return;
    let waited: NodeJS.Timeout | undefined;
    const finished = await Promise.race([this.running.then(() => true), new Promise<false>((resolve) => (waited = setTimeout(() => resolve(false), PRUNE_STOP_WAIT_MS)))]);
    clearTimeout(waited);
    if (!finished) this.options.log?.('warn', `stopped without waiting more than ${PRUNE_STOP_WAIT_MS} ms for a prune run in progress`);
  }

  /** The consumed topics' and their dead-letter topics' settings as the broker applies them now, and what they make of an id's keep. */
  async retention(): Promise<InputIdRetention> {
    const { kafka, namer, topics, policy } = this.options;
    const physical = topics.flatMap((topic) => [namer.physical(topic), namer.physical(deadLetterTopic(topic))]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      return inputIdRetention(await topicRetentions(admin, physical), policy);
    } finally {
      await admin.disconnect();
    }
  }

  /** One run: reads the topics' settings, then deletes what they no longer need, a statement at a time. */
  async runOnce(): Promise<PruneRun> {
    const { keepMs } = await this.retention();
    if (keepMs === null || this.stopping) return { keepMs, deleted: 0, yielded: false };
    return { keepMs, ...(await this.prune(keepMs)) };
  }

  /** Deletes the consumer's ids last delivered over keepMs ago, a statement at a time, unless another instance is at it. */
  async prune(keepMs: number): Promise<{ deleted: number; yielded: boolean }> {
    const { db, consumerName } = this.options;
    const rowsPerStatement = this.options.rowsPerStatement ?? PRUNE_ROWS_PER_STATEMENT;
    let deleted = 0;
    for (let statement = 0; statement < (this.options.statementsPerRunMax ?? PRUNE_STATEMENTS_PER_RUN_MAX); statement += 1) {
      const count = await db.transaction(async (tx) => {
        const lock = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', [
          `restock.processed-inputs-prune/${db.schema}/${consumerName}`,
        ]);
        if (!lock.rows[0]!.locked) return null;
        if (statement === 0) await summarizeProcessedInputs(tx);
        return pruneProcessedInputs(tx, consumerName, keepMs, rowsPerStatement);
      });
      if (count === null) return { deleted, yielded: true };
      deleted += count;
      if (count > 0) this.options.onPruned?.(count);
      if (count < rowsPerStatement || this.stopping) break;
    }
    if (deleted > 0) this.options.log?.('info', `forgot ${deleted} processed input ids last delivered over ${Math.round(keepMs / 3_600_000)} h ago`, { deleted, keepMs });
    return { deleted, yielded: false };
  }
}
