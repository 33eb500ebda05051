import { Kafka, PartitionMetadata, Partitioners, Producer } from 'kafkajs';
import { Client } from 'pg';
import { Database, hasOutboxAfter, loadOutboxCheckpoint, OUTBOX_ROW_BYTES_MAX, OUTBOX_ROW_MESSAGES_MAX, PendingOutboxMessage, PendingOutboxRow, readOutbox, recordPublished } from '@restock/event-store';
import { compressionType, KafkaCompression } from './compression';
import { ensureTopics, TopicNamer } from './kafka';
import { CLOUDEVENTS_CONTENT_TYPE, KafkaPacking, OutgoingMessage, packForPartitions, PACKED_TOPICS } from './packed-records';

/**
 * The most messages one send of the relay carries (an outbox row holds at most as many). A
 * send's messages for one partition travel in one record batch, so this and RELAY_SEND_BYTES_MAX
 * keep every record batch well below the broker's message.max.bytes (1 MiB by default), headers
 * included.
 */
export const RELAY_SEND_MESSAGES_MAX = 1_000;
/** The most message bytes (values and keys) one send carries. The relay sends an outbox row whole. */
export const RELAY_SEND_BYTES_MAX = 512 * 1024;
if (OUTBOX_ROW_BYTES_MAX > RELAY_SEND_BYTES_MAX || OUTBOX_ROW_MESSAGES_MAX > RELAY_SEND_MESSAGES_MAX) throw new Error('an outbox row must fit in one send of the relay');
/**
 * The most messages and bytes one Kafka transaction carries, in sends within the bounds above. A
 * transaction costs the broker about eight requests whatever it carries, and they were 70 % of its
 * requests at the pipeline's maximum rate (docs/benchmarks.md, twentieth pass).
 */
export const RELAY_TRANSACTION_MESSAGES_MAX = 4 * RELAY_SEND_MESSAGES_MAX;
export const RELAY_TRANSACTION_BYTES_MAX = 4 * RELAY_SEND_BYTES_MAX;
export const RELAY_IDLE_POLL_MS = 250;
/**
 * How soon the relay reads again when committed rows are held back because an older transaction
 * is still open (see readOutbox): they become readable when it ends, and no NOTIFY says so.
 */
export const RELAY_HELD_BACK_POLL_MS = 10;
/**
 * The first retry of a Kafka request of the relay's producer. A transaction begun right after the
 * previous one committed is often answered CONCURRENT_TRANSACTIONS while the broker still writes
 * the commit markers, which takes milliseconds; the client-wide 200 ms would wait far longer.
 */
export const RELAY_RETRY_MS_MIN = 20;
export const RELAY_RETRY_MS_MAX = 5_000;
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
/** How long the relay trusts the partition count it read for a topic it packs, as kafkajs its metadata. */
export const RELAY_PARTITIONS_MAX_AGE_MS = 300_000;

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
  /** The most messages one transaction carries (RELAY_TRANSACTION_MESSAGES_MAX when not given). */
  readonly batchSizeMax?: number;
  /** How the relay compresses what it sends (`none` when not given); consumers read any codec. */
  readonly compression?: KafkaCompression;
  /** `internal` (when not given): messages to PACKED_TOPICS travel packed, one record per partition a transaction (packed-records.ts). */
  readonly packing?: KafkaPacking;
  /** How long a packed topic's partition count is trusted (RELAY_PARTITIONS_MAX_AGE_MS when not given). */
  readonly partitionsMaxAgeMs?: number;
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
  /** Set by every NOTIFY; a sleep that begins after one returns at once, so none is lost. */
  private notified = false;
  private readonly knownTopics = new Set<string>();
  private readonly partitionsByTopic = new Map<string, { readonly partitions: PartitionMetadata[]; readonly readAt: number }>();
  /** kafkajs's own default partitioner (murmur2, as the Java client's), so packing moves no key to another partition. */
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSizeMax = options.batchSizeMax ?? RELAY_TRANSACTION_MESSAGES_MAX;
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
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    await ensureTopics(this.options.kafka, [{ name: this.checkpointTopic, partitions: 2, config: { 'cleanup.policy': 'compact' } }]);
    this.producer = this.options.kafka.producer({
      transactionalId: this.options.namer.physical(`restock.outbox-relay.${this.options.relayName}`),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: RELAY_TRANSACTION_TIMEOUT_MS,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Unlimited, as kafkajs has it for an idempotent producer; RELAY_KAFKA_STEP_TIMEOUT_MS bounds each step.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: RELAY_RETRY_MS_MIN, maxRetryTime: RELAY_RETRY_MS_MAX },
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
    // A predecessor can stop between its Kafka commit and recording it here (its pool closed on
    // SIGTERM); the rows it published would then stay in the outbox, behind the checkpoint, for good.
    if (checkpoint !== ZERO) await recordPublished(this.options.db, this.options.relayName, checkpoint);
    let heldBackPolls = 0;
    while (this.running) {
      this.notified = false;
      const read = await readOutbox(this.options.db, checkpoint, { messagesMax: this.batchSizeMax, bytesMax: RELAY_TRANSACTION_BYTES_MAX });
      if (read.length === 0) {
        const heldBack = await hasOutboxAfter(this.options.db, checkpoint);
        heldBackPolls = heldBack ? heldBackPolls + 1 : 0;
        // Backing off keeps a long transaction elsewhere (a replay, an operator's session) from making this a busy loop.
        await this.sleep(heldBack ? Math.min(RELAY_IDLE_POLL_MS, RELAY_HELD_BACK_POLL_MS * 2 ** Math.min(heldBackPolls - 1, 10)) : RELAY_IDLE_POLL_MS);
        continue;
      }
      heldBackPolls = 0;
      const sends = rowsBySend(read).map((rows) => serializedRows(rows, this.options.namer));
      const last = read[read.length - 1]!;
      const previous = checkpoint;
      checkpoint = { transactionId: last.transactionId, position: last.position };
      await withinTimeout(this.publish(sends, checkpoint), 'publishing a batch');
      // Every row at or behind the previous checkpoint is gone: deleted above on taking leadership,
      // or by the batch before. A failure here ends the leadership, and the next one starts above.
      await recordPublished(this.options.db, this.options.relayName, checkpoint, previous);
      this.options.onPublished?.(sends.reduce((count, send) => count + send.length, 0));
    }
  }

  /** Sends one after another in one transaction: each partition receives them in their order. */
  private async publish(sends: readonly (readonly SerializedMessage[])[], checkpoint: Checkpoint): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error('relay published without leadership');
    await this.ensureTopicsOf(sends.flat());
    const transaction = await producer.transaction();
    try {
      for (const send of sends) {
        await transaction.sendBatch({
          acks: -1,
          compression: compressionType(this.options.compression ?? 'none'),
          topicMessages: await this.packed(groupByTopic(send)),
        });
      }
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
  private async ensureTopicsOf(batch: readonly SerializedMessage[]): Promise<void> {
    const missing = [...new Set(batch.map((entry) => entry.topic))].filter((topic) => !this.knownTopics.has(topic));
    if (missing.length === 0) return;
    await ensureTopics(this.options.kafka, missing.map((name) => ({ name, partitions: OUTPUT_TOPIC_PARTITIONS })));
    for (const topic of missing) this.knownTopics.add(topic);
  }

  /** Each packed topic's messages as packed records (packed-records.ts); the other topics' as they are. */
  private async packed(topicMessages: { topic: string; messages: OutgoingMessage[] }[]): Promise<{ topic: string; messages: OutgoingMessage[] }[]> {
    if ((this.options.packing ?? 'internal') === 'none') return topicMessages;
    const packable = (topic: string) => PACKED_TOPICS.has(this.options.namer.logical(topic));
    await this.readPartitions(topicMessages.map((entry) => entry.topic).filter(packable));
    return topicMessages.map((entry) => {
      const partitionMetadata = packable(entry.topic) ? this.partitionsByTopic.get(entry.topic)?.partitions : undefined;
      if (partitionMetadata === undefined) return entry;
      const partitionOf = (key: string) => this.partitioner({ topic: entry.topic, partitionMetadata, message: { key, value: null } });
      return { topic: entry.topic, messages: packForPartitions(entry.messages, partitionOf) };
    });
  }

  private async readPartitions(topics: readonly string[]): Promise<void> {
    const now = performance.now();
    const maxAgeMs = this.options.partitionsMaxAgeMs ?? RELAY_PARTITIONS_MAX_AGE_MS;
    const stale = topics.filter((topic) => (this.partitionsByTopic.get(topic)?.readAt ?? -Infinity) < now - maxAgeMs);
    if (stale.length === 0) return;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: stale });
      for (const topic of metadata) {
        if (topic.partitions.length > 0) this.partitionsByTopic.set(topic.name, { partitions: topic.partitions, readAt: now });
      }
    } finally {
      await admin.disconnect();
    }
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
    if (this.notified) return Promise.resolve();
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

interface SerializedMessage {
  /** Physical topic name. */
  readonly topic: string;
  readonly kafkaMessage: OutgoingMessage;
}

function serialized(message: PendingOutboxMessage, namer: TopicNamer): SerializedMessage {
  return {
    topic: namer.physical(message.topic),
    kafkaMessage: { key: message.key, value: message.value, headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ...message.headers } },
  };
}

/**
 * The rows cut, in order, into runs within RELAY_SEND_MESSAGES_MAX and RELAY_SEND_BYTES_MAX. A row
 * is never cut: OUTBOX_ROW_MESSAGES_MAX and OUTBOX_ROW_BYTES_MAX keep a row within a send, except a
 * row of one message larger than a row's bytes, which is a send of its own.
 */
export function rowsBySend<Row extends { readonly bytes: number; readonly messages: readonly unknown[] }>(rows: readonly Row[]): Row[][] {
  const sends: Row[][] = [];
  let current: Row[] = [];
  let messages = 0;
  let bytes = 0;
  for (const row of rows) {
    if (current.length > 0 && (messages + row.messages.length > RELAY_SEND_MESSAGES_MAX || bytes + row.bytes > RELAY_SEND_BYTES_MAX)) {
      sends.push(current);
      current = [];
      messages = 0;
      bytes = 0;
    }
    current.push(row);
    messages += row.messages.length;
    bytes += row.bytes;
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

/** Every message of the rows, in order. */
function serializedRows(rows: readonly PendingOutboxRow[], namer: TopicNamer): SerializedMessage[] {
  return rows.flatMap((row) => row.messages.map((message) => serialized(message, namer)));
}

function groupByTopic(batch: readonly SerializedMessage[]) {
  const byTopic = new Map<string, SerializedMessage['kafkaMessage'][]>();
  for (const entry of batch) {
    const messages = byTopic.get(entry.topic) ?? [];
    messages.push(entry.kafkaMessage);
    byTopic.set(entry.topic, messages);
  }
  return [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages }));
}
