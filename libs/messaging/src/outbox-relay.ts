import { Kafka, Partitioners, Producer } from 'kafkajs';
import { Client } from 'pg';
import { Database, loadOutboxCheckpoint, PendingOutboxMessage, readOutbox, recordPublished } from '@restock/event-store';
import { ensureTopics, TopicNamer } from './kafka';

export const RELAY_BATCH_SIZE_MAX = 500;
export const RELAY_IDLE_POLL_MS = 250;
export const RELAY_ERROR_BACKOFF_MS = 1_000;
export const RELAY_STANDBY_POLL_MS = 2_000;
export const RELAY_TRANSACTION_TIMEOUT_MS = 30_000;
export const OUTPUT_TOPIC_PARTITIONS = 6;
/**
 * The longest one Kafka step of the relay may take. kafkajs retries on its own; past this the relay
 * gives up its producer and leadership and starts over, rather than wait on a broker that came
 * back in a state the old connection never recovers from.
 */
export const RELAY_KAFKA_STEP_TIMEOUT_MS = 45_000;

function withinTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`outbox relay: ${what} took longer than ${RELAY_KAFKA_STEP_TIMEOUT_MS} ms`)), RELAY_KAFKA_STEP_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The relay keeps its checkpoint as transactional consumer-group offsets on this two-partition topic. */
export const RELAY_CHECKPOINT_TOPIC = 'restock.outbox-checkpoints.v1';
const TRANSACTION_PARTITION = 0;
const POSITION_PARTITION = 1;

interface Checkpoint {
  readonly transactionId: string;
  readonly position: string;
}

const ZERO: Checkpoint = { transactionId: '0', position: '0' };

function later(a: Checkpoint, b: Checkpoint): Checkpoint {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta > tb ? a : b;
  return BigInt(a.position) >= BigInt(b.position) ? a : b;
}

export interface OutboxRelayOptions {
  readonly db: Database;
  readonly kafka: Kafka;
  readonly namer: TopicNamer;
  /** Names the relay: its transactional id, checkpoint group and advisory lock derive from it. */
  readonly relayName: string;
  readonly batchSizeMax?: number;
  readonly onPublished?: (count: number) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * Publishes every committed outbox row to Kafka exactly once, in commit order.
 *
 * Each batch is sent in one Kafka transaction together with the relay's checkpoint, written as the
 * offsets of a consumer group on RELAY_CHECKPOINT_TOPIC (partition 0 holds the transaction id,
 * partition 1 the position). Either the messages and the checkpoint are both committed or neither
 * is, so a relay killed at any point resumes without a gap and without a duplicate. Only one relay
 * per outbox runs at a time: the others wait on a PostgreSQL advisory lock, and Kafka fences any
 * zombie that still holds the transactional id.
 */
export class OutboxRelay {
  private readonly batchSizeMax: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private lockClient: Client | null = null;
  private producer: Producer | null = null;
  private wake: (() => void) | null = null;
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSizeMax = options.batchSizeMax ?? RELAY_BATCH_SIZE_MAX;
  }

  private get checkpointGroup(): string {
    return this.options.namer.physical(`restock.outbox-relay.${this.options.relayName}`);
  }

  private get checkpointTopic(): string {
    return this.options.namer.physical(RELAY_CHECKPOINT_TOPIC);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!(await this.acquireLeadership())) {
          await this.sleep(RELAY_STANDBY_POLL_MS);
          continue;
        }
        await this.publishWhileLeader();
      } catch (error) {
        this.options.onError?.(error);
        await this.releaseLeadership();
        await this.sleep(RELAY_ERROR_BACKOFF_MS);
      }
    }
    await this.releaseLeadership();
  }

  private async acquireLeadership(): Promise<boolean> {
    const client = new Client({ connectionString: this.options.db.url });
    client.on('error', () => undefined);
    await client.connect();
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
      `restock.outbox-relay.${this.options.db.schema}`,
    ]);
    if (!result.rows[0]?.locked) {
      await client.end();
      return false;
    }
    this.lockClient = client;
    await client.query(`LISTEN outbox_${this.options.db.schema}`);
    client.on('notification', () => this.wake?.());
    await ensureTopics(this.options.kafka, [{ name: this.checkpointTopic, partitions: 2, config: { 'cleanup.policy': 'compact' } }]);
    this.producer = this.options.kafka.producer({
      transactionalId: this.options.namer.physical(`restock.outbox-relay.${this.options.relayName}`),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: RELAY_TRANSACTION_TIMEOUT_MS,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await withinTimeout(this.producer.connect(), 'connecting the producer');
    return true;
  }

  private async releaseLeadership(): Promise<void> {
    const producer = this.producer;
    const client = this.lockClient;
    this.producer = null;
    this.lockClient = null;
    await withinTimeout(producer?.disconnect() ?? Promise.resolve(), 'disconnecting the producer').catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  private async publishWhileLeader(): Promise<void> {
    let checkpoint = await withinTimeout(this.loadCheckpoint(), 'loading the checkpoint');
    while (this.running) {
      const batch = await readOutbox(this.options.db, checkpoint, this.batchSizeMax);
      if (batch.length === 0) {
        await this.sleep(RELAY_IDLE_POLL_MS);
        continue;
      }
      const last = batch[batch.length - 1]!;
      checkpoint = { transactionId: last.transactionId, position: last.position };
      await withinTimeout(this.publish(batch, checkpoint), 'publishing a batch');
      await recordPublished(this.options.db, this.options.relayName, checkpoint);
      this.options.onPublished?.(batch.length);
    }
  }

  private async publish(batch: readonly PendingOutboxMessage[], checkpoint: Checkpoint): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error('relay published without leadership');
    await this.ensureTopicsOf(batch);
    const transaction = await producer.transaction();
    try {
      await transaction.sendBatch({
        acks: -1,
        topicMessages: groupByTopic(batch, this.options.namer),
      });
      await transaction.sendOffsets({
        consumerGroupId: this.checkpointGroup,
        topics: [
          {
            topic: this.checkpointTopic,
            partitions: [
              { partition: TRANSACTION_PARTITION, offset: checkpoint.transactionId },
              { partition: POSITION_PARTITION, offset: checkpoint.position },
            ],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  /** Topics are created by the deployment; this covers a fresh environment where they are not yet. */
  private async ensureTopicsOf(batch: readonly PendingOutboxMessage[]): Promise<void> {
    const missing = [...new Set(batch.map((message) => this.options.namer.physical(message.topic)))].filter((topic) => !this.knownTopics.has(topic));
    if (missing.length === 0) return;
    await ensureTopics(this.options.kafka, missing.map((name) => ({ name, partitions: OUTPUT_TOPIC_PARTITIONS })));
    for (const topic of missing) this.knownTopics.add(topic);
  }

  private async loadCheckpoint(): Promise<Checkpoint> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: this.checkpointGroup, topics: [this.checkpointTopic] });
      const byPartition = new Map((offsets?.partitions ?? []).map((entry) => [entry.partition, entry.offset]));
      const transactionId = byPartition.get(TRANSACTION_PARTITION);
      const position = byPartition.get(POSITION_PARTITION);
      const fromKafka = transactionId && position && transactionId !== '-1' ? { transactionId, position } : ZERO;
      const fromDatabase = (await loadOutboxCheckpoint(this.options.db, this.options.relayName)) ?? ZERO;
      return later(fromKafka, fromDatabase);
    } finally {
      await admin.disconnect();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}

function groupByTopic(batch: readonly PendingOutboxMessage[], namer: TopicNamer) {
  const byTopic = new Map<string, { key: string | null; value: string; headers: Record<string, string> }[]>();
  for (const message of batch) {
    const topic = namer.physical(message.topic);
    const messages = byTopic.get(topic) ?? [];
    messages.push({
      key: message.key,
      value: JSON.stringify(message.value),
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', ...message.headers },
    });
    byTopic.set(topic, messages);
  }
  return [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages }));
}
