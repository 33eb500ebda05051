import { Consumer, Kafka, Partitioners, Producer } from 'kafkajs';
import { TopicNamer } from '@restock/messaging';
import { Message } from './workload';

export const PUBLISH_CHUNK_MESSAGES = 1_000;
const READER_MAX_WAIT_MS = 50;
const TOPIC_DELETION_TIMEOUT_MS = 30_000;

/** Deletes every topic whose name starts with the prefix (a run's own topics); answers how many. */
async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: TOPIC_DELETION_TIMEOUT_MS });
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

/**
 * What a benchmark does with its run's topics when it ends: deletes them (a full pipeline run left
 * about 200 partitions and 300 MB in the broker, and a broker that kept a day of runs took 18 s
 * instead of 4 to start), or keeps them with RESTOCK_BENCH_KEEP_TOPICS=1 (for hop-times.ts). Never
 * throws: a failure here must not hide the run's own.
 */
export async function removeRunTopics(kafka: Kafka, prefix: string, log: (message: string) => void, label: string): Promise<void> {
  if (process.env['RESTOCK_BENCH_KEEP_TOPICS'] === '1') {
    log(`${label}: topics kept: ${prefix}*`);
    return;
  }
  const deleted = await deleteTopicsWithPrefix(kafka, prefix).catch((error: unknown) => `none (${String(error)})`);
  log(`${label}: topics of this run deleted: ${deleted}`);
}

export function benchProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}

/** Publishes messages in order, a chunk at a time, and calls `sent` with each chunk's send time. */
export async function publish(producer: Producer, namer: TopicNamer, messages: readonly Message[], sent?: (chunk: readonly Message[], atMs: number) => void): Promise<void> {
  for (let start = 0; start < messages.length; start += PUBLISH_CHUNK_MESSAGES) {
    const chunk = messages.slice(start, start + PUBLISH_CHUNK_MESSAGES);
    sent?.(chunk, performance.now());
    await sendChunk(producer, namer, chunk);
  }
}

export async function sendChunk(producer: Producer, namer: TopicNamer, chunk: readonly Message[]): Promise<void> {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const message of chunk) {
    const topic = namer.physical(message.topic);
    const list = byTopic.get(topic) ?? [];
    list.push({ key: message.key, value: message.value });
    byTopic.set(topic, list);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

export interface CustomerUpdate {
  readonly type: string;
  readonly data: { orderId: string; quantity?: number; lines?: { allocatedQuantity: number }[] };
}

/**
 * Reads restock.customer-updates.v1 from the beginning and records when each order's first
 * OrderAcknowledged arrived and how many units were allocated in all (at acknowledgement and after).
 */
export class UpdatesReader {
  readonly acknowledgedAt = new Map<string, number>();
  allocatedUnits = 0;
  private consumer: Consumer | null = null;
  private readonly seen = new Set<string>();
  private crash: Error | null = null;
  private readonly otherFailures: (() => Error | null)[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: READER_MAX_WAIT_MS, maxBytesPerPartition: 4_194_304 });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.crash ??= payload.error;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        const atMs = performance.now();
        for (const message of batch.messages) this.record(JSON.parse(message.value!.toString()) as CustomerUpdate & { id: string }, atMs);
      },
    });
  }

  /** Another part of the run whose failure means the awaited updates will never come. */
  alsoFailWhen(failure: () => Error | null): void {
    this.otherFailures.push(failure);
  }

  /** Why the updates stopped for good: this reader's consumer or a watched part crashed and will not restart. */
  failure(): Error | null {
    return this.crash ?? this.otherFailures.map((failure) => failure()).find((error) => error !== null) ?? null;
  }

  private record(update: CustomerUpdate & { id: string }, atMs: number): void {
    if (this.seen.has(update.id)) return;
    this.seen.add(update.id);
    if (update.type === 'OrderAcknowledged') {
      if (!this.acknowledgedAt.has(update.data.orderId)) this.acknowledgedAt.set(update.data.orderId, atMs);
      for (const line of update.data.lines ?? []) this.allocatedUnits += line.allocatedQuantity;
    } else if (update.type === 'OrderLineAllocated') {
      this.allocatedUnits += update.data.quantity ?? 0;
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}

/** Waits for `condition`; fails at the timeout, or at once when `failure` reports why it cannot come true. */
export async function until(condition: () => boolean, timeoutMs: number, describe: () => string, failure: () => Error | null = () => null): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    const failed = failure();
    if (failed !== null) throw new Error(`${describe()}: ${failed.message}`, { cause: failed });
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now();
}
