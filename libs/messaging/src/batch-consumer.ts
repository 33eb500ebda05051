import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { PoolClient } from 'pg';
import { CloudEvent, MessageValidation, validateMessage, validateParsedMessage } from '@restock/contracts';
import { claimInputs, Database, isTransientError } from '@restock/event-store';
import { DeadLetter, DeadLetterReason, sendDeadLetters } from './dead-letters';
import { createIdempotentProducer, ensureTopics, TopicNamer } from './kafka';
import { isPackedRecord, PACKED_TOPICS, unpackRecord } from './packed-records';
import { deadLetterTopic } from '@restock/contracts';

export const CHUNK_SIZE_MAX = 500;
export const HANDLER_RETRIES_MAX = 3;
export const RETRY_BACKOFF_MS_MIN = 100;
export const RETRY_BACKOFF_MS_MAX = 5_000;
export const SESSION_TIMEOUT_MS = 30_000;
export const REBALANCE_TIMEOUT_MS = 60_000;
export const HEARTBEAT_INTERVAL_MS = 3_000;
export const MAX_BYTES_PER_PARTITION = 1_048_576;
/**
 * How long the broker holds a fetch that finds nothing new. A fetch returns as soon as a message
 * arrives (minBytes 1), so this costs no latency; it sets how often an idle consumer polls, which
 * on a small node was a few percent of a core for each of the five services and the broker.
 */
export const MAX_WAIT_MS = 500;
/**
 * Every assigned partition's batch is handed over at once, so the chunks of one fetch can share a
 * transaction (see settle); kafkajs starts that many workers. More partitions than this are still
 * consumed, this many at a time.
 */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 64;
/** The most inputs one database transaction takes from the chunks of a topic's partitions. */
export const INPUTS_PER_TRANSACTION_MAX = 2_000;
export const START_RETRY_MS_MIN = 500;
export const START_RETRY_MS_MAX = 10_000;
/** A crash this long after the last one starts the backoff over (see rejoinAfterCrash). */
export const CRASH_BACKOFF_RESET_MS = 300_000;

/**
 * Whether the consumer takes inputs: `starting` until its first fetch after joining its group,
 * `consuming` from then on, `restarting` from a crash until it fetches again, `stopped` from stop() on.
 */
export type ConsumerState = 'starting' | 'consuming' | 'restarting' | 'stopped';

/** One validated input as a handler sees it. `topic` is the logical (contract) name. */
export interface ConsumedInput {
  readonly event: CloudEvent;
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

export interface Rejection {
  readonly inputId: string;
  readonly reason: DeadLetterReason;
}

/** What a handler may answer: inputs it refuses (they go to the dead-letter topic, not recorded as processed). */
export interface HandlerOutcome {
  readonly rejected?: readonly Rejection[];
}

export type BatchHandler = (inputs: readonly ConsumedInput[], tx: PoolClient) => Promise<HandlerOutcome | void>;

/** Thrown by a fault hook: it escapes every retry, as a crash of the process would. */
export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash ${where}`);
    this.name = 'SimulatedCrash';
  }
}

/** Points where tests make the consumer fail, to prove what a crash there leaves behind. */
export interface ConsumerFaults {
  beforeCommit?(inputs: readonly ConsumedInput[]): void | Promise<void>;
  afterCommitBeforeOffsets?(inputs: readonly ConsumedInput[]): void | Promise<void>;
}

export interface ConsumerMetrics {
  processed?(topic: string, count: number, durationMs: number): void;
  deadLettered?(topic: string, code: string): void;
  duplicate?(topic: string, count: number): void;
  /** The consumer stopped on an error kafkajs does not retry and is being started again. */
  crashed?(): void;
}

/** A partition's validated chunk, waiting to be handled in a transaction shared with other partitions' chunks. */
interface PendingChunk {
  readonly physicalTopic: string;
  readonly partition: number;
  readonly valid: readonly ConsumedInput[];
  readonly letters: readonly DeadLetter[];
  /** The offset to commit once the chunk is settled: the one after its last message. */
  readonly nextOffset: string;
  readonly heartbeat: () => Promise<void>;
  readonly isRunning: () => boolean;
  readonly settled: { resolve(): void; reject(error: unknown): void };
}

export interface BatchConsumerOptions {
  readonly kafka: Kafka;
  readonly namer: TopicNamer;
  readonly db: Database;
  /** Logical group id; the physical one carries the topic prefix. */
  readonly groupId: string;
  /** Names the consumer in processed_inputs: an input id counts once per consumer. */
  readonly consumerName: string;
  readonly topics: readonly string[];
  readonly handlerFor: (topic: string) => BatchHandler;
  /**
   * The event types a topic's handler takes, when it takes only some of the topic's types. Inputs
   * of the other types are passed over once their envelope is valid: their data is not checked
   * (that is for the consumers that take them), they are not recorded as processed nor handed to
   * the handler, and their offsets are committed with the rest. An input that changes nothing needs
   * no record to change nothing a second time. Undefined: every type.
   */
  readonly typesTakenBy?: (topic: string) => ReadonlySet<string> | undefined;
  /** Keys to lock before writing; defaults to the Kafka message key (the SKU or order id). */
  readonly lockKeyOf?: (input: ConsumedInput) => string | null;
  readonly chunkSizeMax?: number;
  readonly retriesMax?: number;
  readonly maxMessageBytes?: number;
  readonly faults?: ConsumerFaults;
  readonly metrics?: ConsumerMetrics;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

function backoffMs(attempt: number): number {
  return Math.min(RETRY_BACKOFF_MS_MAX, RETRY_BACKOFF_MS_MIN * 2 ** Math.min(attempt, 10));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Consumes topics in batches with at-least-once delivery and exactly-once effects: a chunk of a
 * partition's batch is validated, its fresh inputs are handled in ONE database transaction that
 * also records their ids, and only after that commit are dead letters sent and offsets committed.
 * Poison inputs are dead-lettered and the partition moves on; a database outage is waited out.
 */
export class BatchConsumer {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private readonly chunkSizeMax: number;
  private readonly retriesMax: number;
  /** Batches being handled; kafkajs leaves the group without waiting for concurrent ones. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Chunks waiting for a transaction, and whether one is being handled. */
  private readonly pending: PendingChunk[] = [];
  private settling = false;
  private stopping = false;
  private crashes = 0;
  private lastCrashAt = -Infinity;
  private current: ConsumerState = 'starting';

  constructor(private readonly options: BatchConsumerOptions) {
    this.chunkSizeMax = options.chunkSizeMax ?? CHUNK_SIZE_MAX;
    this.retriesMax = options.retriesMax ?? HANDLER_RETRIES_MAX;
  }

  get state(): ConsumerState {
    return this.current;
  }

  /**
   * Joins the group and starts consuming. A broker that does not answer yet (a service started
   * before Kafka, or during a broker restart) is waited for, with backoff, rather than ending the
   * process: the start is retried from scratch until it succeeds or stop() is called.
   */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.startOnce();
        if (attempt > 0) this.options.log?.('info', 'kafka consumer started', { attempts: attempt + 1 });
        return;
      } catch (error) {
        await this.release();
        if (this.stopping) return;
        const delayMs = Math.min(START_RETRY_MS_MAX, START_RETRY_MS_MIN * 2 ** Math.min(attempt, 10));
        this.options.log?.('warn', 'kafka consumer could not start; retrying', { attempt: attempt + 1, delayMs, error: errorMessage(error) });
        await sleep(delayMs);
        if (this.stopping) return;
      }
    }
  }

  private async release(): Promise<void> {
    const consumer = this.consumer;
    const producer = this.producer;
    this.consumer = null;
    this.producer = null;
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }

  private async startOnce(): Promise<void> {
    const { kafka, namer } = this.options;
    await ensureTopics(
      kafka,
      this.options.topics.flatMap((topic) => [
        { name: namer.physical(topic), partitions: 6 },
        { name: namer.physical(deadLetterTopic(topic)), partitions: 6 },
      ]),
    );
    this.producer = createIdempotentProducer(kafka);
    await this.producer.connect();
    this.consumer = kafka.consumer({
      groupId: namer.physical(this.options.groupId),
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: MAX_WAIT_MS,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      retry: { retries: 10 },
    });
    const consumer = this.consumer;
    this.followState(consumer);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) void this.rejoinAfterCrash(consumer, payload.error);
    });
    await this.consumer.connect();
    for (const topic of this.options.topics) {
      await this.consumer.subscribe({ topic: namer.physical(topic), fromBeginning: true });
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: (payload) => this.track(this.consumeBatch(payload)),
    });
  }

  /**
   * The state follows kafkajs's events, not consumer.run(): run() resolves even when the join
   * crashed, and kafkajs restarts a consumer itself after a crash it retries. The consumer counts
   * as consuming from its first fetch that came back whole, not from the join: a consumer that
   * crashes on a batch it cannot decode joins again and again, but never finishes that fetch, and
   * so stays `restarting` through the whole crash loop. A consumer already let go changes nothing.
   */
  private followState(consumer: Consumer): void {
    const mayChange = () => consumer === this.consumer && !this.stopping;
    consumer.on(consumer.events.FETCH, () => {
      if (mayChange()) this.current = 'consuming';
    });
    consumer.on(consumer.events.CRASH, () => {
      if (mayChange()) this.current = 'restarting';
    });
  }

  /**
   * kafkajs gives a consumer up for good after an error it does not retry (a batch it cannot
   * decode, an answer from the group coordinator it does not expect): the service would run on,
   * ready by every check, consuming nothing. The consumer is started again from scratch instead,
   * after a backoff that grows while the crashes repeat, and each crash is logged as an error.
   * Inputs of the batches in flight are delivered again and recognized as processed.
   */
  private async rejoinAfterCrash(crashed: Consumer, error: Error): Promise<void> {
    if (this.stopping || crashed !== this.consumer) return;
    const now = performance.now();
    if (now - this.lastCrashAt > CRASH_BACKOFF_RESET_MS) this.crashes = 0;
    this.lastCrashAt = now;
    const delayMs = Math.min(START_RETRY_MS_MAX, START_RETRY_MS_MIN * 2 ** Math.min(this.crashes, 10));
    this.crashes += 1;
    this.options.log?.('error', 'kafka consumer stopped on an error kafkajs does not retry; starting it again', { crashes: this.crashes, delayMs, error: errorMessage(error) });
    this.options.metrics?.crashed?.();
    await Promise.allSettled([...this.inFlight]);
    await this.release();
    await sleep(delayMs);
    if (this.stopping) return;
    await this.start();
    // A stop() that came while the consumer was starting found nothing, or a consumer half made, to stop.
    if (this.stopping) await this.release();
  }

  /**
   * Finishes the batch in flight, commits it, leaves the group. The batch in flight commits its
   * offsets and sends its dead letters through this consumer and producer, so they are let go
   * only after the disconnect has waited for it. kafkajs's disconnect does not wait for batches of
   * partitions consumed concurrently, so this waits for them itself; they stop at a chunk boundary.
   */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    const producer = this.producer;
    this.stopping = true;
    this.current = 'stopped';
    await Promise.allSettled([...this.inFlight]);
    await consumer?.disconnect();
    await producer?.disconnect();
    this.consumer = null;
    this.producer = null;
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked: Promise<void> = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private async consumeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const topic = this.options.namer.logical(batch.topic);
    const taken = this.options.typesTakenBy?.(topic);
    let letters: DeadLetter[] = [];
    let valid: ConsumedInput[] = [];
    let inputs = 0;
    for (const [at, record] of batch.messages.entries()) {
      if (this.stopping || !isRunning() || isStale()) return;
      inputs += this.validateRecord(topic, batch.partition, record, taken, letters, valid);
      // A chunk ends at a record's end: a packed record's events are settled, and its offset committed, together.
      if (inputs < this.chunkSizeMax && at < batch.messages.length - 1) continue;
      await new Promise<void>((resolve, reject) =>
        this.settle({
          physicalTopic: batch.topic,
          partition: batch.partition,
          valid,
          letters,
          nextOffset: String(BigInt(record.offset) + 1n),
          heartbeat,
          isRunning,
          settled: { resolve, reject },
        }),
      );
      resolveOffset(record.offset);
      await heartbeat();
      letters = [];
      valid = [];
      inputs = 0;
    }
  }

  /**
   * Validates a record's messages (a packed record's events on a packed topic, or the record
   * itself) into `valid` and `letters`, and answers how many messages it held. A packed record that
   * cannot be read as one is dead-lettered whole; an event in it that is not valid goes alone, as a
   * single record would.
   */
  private validateRecord(topic: string, partition: number, record: KafkaMessage, taken: ReadonlySet<string> | undefined, letters: DeadLetter[], valid: ConsumedInput[]): number {
    const take = (message: KafkaMessage, result: MessageValidation) => {
      if (!result.ok) letters.push({ topic, partition, message, reason: result.reason });
      else if (!('passedOver' in result)) valid.push({ event: result.event, topic, partition, message });
    };
    // Public topics carry single CloudEvents (DESIGN.md): a batch there is judged as one message.
    if (!PACKED_TOPICS.has(topic) || !isPackedRecord(record)) {
      take(record, validateMessage(topic, record.value, { maxBytes: this.options.maxMessageBytes, typesTaken: taken }));
      return 1;
    }
    const unpacked = unpackRecord(record, this.options.maxMessageBytes);
    if (!unpacked.ok) {
      letters.push({ topic, partition, message: record, reason: unpacked.reason });
      return 1;
    }
    for (const event of unpacked.events) {
      take(event.message, event.tooLarge ? { ok: false, reason: event.tooLarge } : validateParsedMessage(topic, event.json, taken));
    }
    return Math.max(1, unpacked.events.length);
  }

  /**
   * Queues a partition's chunk. A fetch hands over every partition's batch at once, of every
   * topic, so the chunks that arrive while the previous transaction runs, or in the same turn of
   * the event loop, are settled together: one transaction, one dead-letter send and one offset
   * commit for all of them. Per-partition order holds (a partition's next chunk waits for this
   * one), and the consumer's transactions run one at a time. Until the twenty-first pass each
   * topic had a queue of its own; the saga's topics, all keyed by SKU, then waited on each other's
   * locks, 41 ms a transaction (docs/benchmarks.md).
   */
  private settle(chunk: PendingChunk): void {
    this.pending.push(chunk);
    if (!this.settling) {
      this.settling = true;
      setImmediate(() => void this.settlePending());
    }
  }

  private async settlePending(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const taken = takeChunks(this.pending, INPUTS_PER_TRANSACTION_MAX);
        try {
          await this.settleTogether(taken);
          for (const chunk of taken) chunk.settled.resolve();
        } catch (error) {
          for (const chunk of taken) chunk.settled.reject(error);
        }
      }
    } finally {
      this.settling = false;
    }
  }

  private async settleTogether(chunks: readonly PendingChunk[]): Promise<void> {
    const first = chunks[0]!;
    const valid = chunks.flatMap((chunk) => chunk.valid);
    const letters = chunks.flatMap((chunk) => chunk.letters);
    if (valid.length > 0) {
      const fresh = await this.handleWithRetry(valid, letters, first.heartbeat, first.isRunning);
      await this.options.faults?.afterCommitBeforeOffsets?.(fresh);
    }
    await sendDeadLetters(this.producer!, this.options.namer, this.options.consumerName, letters, new Date());
    for (const letter of letters) this.options.metrics?.deadLettered?.(letter.topic, letter.reason.code);
    await this.consumer!.commitOffsets(chunks.map((chunk) => ({ topic: chunk.physicalTopic, partition: chunk.partition, offset: chunk.nextOffset })));
  }

  private async handleWithRetry(
    inputs: readonly ConsumedInput[],
    letters: DeadLetter[],
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<ConsumedInput[]> {
    let failures = 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { fresh, rejected } = await this.handleOnce(inputs);
        letters.push(...rejected);
        return fresh;
      } catch (error) {
        if (error instanceof SimulatedCrash) throw error;
        const transient = isTransientError(error);
        if (!transient) failures += 1;
        this.options.log?.(transient ? 'warn' : 'error', 'input batch failed', {
          topic: inputs[0]!.topic,
          partition: inputs[0]!.partition,
          size: inputs.length,
          attempt,
          transient,
          error: errorMessage(error),
        });
        if (!isRunning() || this.stopping) throw error;
        if (failures > this.retriesMax) return this.isolatePoison(inputs, letters, heartbeat, isRunning, error);
        await sleep(backoffMs(attempt));
        await heartbeat();
      }
    }
  }

  /** Retries each input on its own so one bad input cannot hold back the rest of its chunk. */
  private async isolatePoison(
    inputs: readonly ConsumedInput[],
    letters: DeadLetter[],
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
    error: unknown,
  ): Promise<ConsumedInput[]> {
    if (inputs.length === 1) {
      const input = inputs[0]!;
      letters.push({
        topic: input.topic,
        partition: input.partition,
        message: input.message,
        reason: { code: 'PROCESSING_FAILED', message: errorMessage(error) },
      });
      return [];
    }
    const fresh: ConsumedInput[] = [];
    for (const input of inputs) fresh.push(...(await this.handleWithRetry([input], letters, heartbeat, isRunning)));
    return fresh;
  }

  private async handleOnce(inputs: readonly ConsumedInput[]): Promise<{ fresh: ConsumedInput[]; rejected: DeadLetter[] }> {
    const started = performance.now();
    const { db, consumerName, faults } = this.options;
    const lockKeyOf = this.options.lockKeyOf ?? ((input: ConsumedInput) => input.message.key?.toString() ?? null);
    const lockKeys = inputs.map(lockKeyOf).filter((key): key is string => key !== null);
    let fresh: ConsumedInput[] = [];
    const letters = await db.transaction(
      async (tx) => {
        const claimed = await claimInputs(tx, consumerName, inputs.map((input) => input.event.id));
        fresh = inputs.filter((input) => claimed.delete(input.event.id));
        if (fresh.length === 0) return [];
        const rejected: Rejection[] = [];
        // Topics in the order their first input came; Kafka orders nothing across topics.
        for (const [topic, ofTopic] of byTopic(fresh)) {
          const outcome = await this.options.handlerFor(topic)(ofTopic, tx);
          rejected.push(...(outcome?.rejected ?? []));
        }
        if (rejected.length > 0) {
          await tx.query('DELETE FROM processed_inputs WHERE consumer = $1 AND input_id = ANY($2::text[])', [
            consumerName,
            rejected.map((rejection) => rejection.inputId),
          ]);
        }
        await faults?.beforeCommit?.(fresh);
        const byId = new Map(fresh.map((input) => [input.event.id, input]));
        return rejected.flatMap((rejection) => {
          const input = byId.get(rejection.inputId);
          return input ? [{ topic: input.topic, partition: input.partition, message: input.message, reason: rejection.reason }] : [];
        });
      },
      { lockKeys },
    );
    this.countHandled(inputs, fresh, performance.now() - started);
    return { fresh, rejected: letters };
  }

  /** Per topic: the inputs handled and the transaction's time, and the duplicates passed over. */
  private countHandled(inputs: readonly ConsumedInput[], fresh: readonly ConsumedInput[], elapsedMs: number): void {
    const freshByTopic = byTopic(fresh);
    for (const [topic, ofTopic] of byTopic(inputs)) {
      const handled = freshByTopic.get(topic)?.length ?? 0;
      if (ofTopic.length > handled) this.options.metrics?.duplicate?.(topic, ofTopic.length - handled);
      this.options.metrics?.processed?.(topic, handled, elapsedMs);
    }
  }
}

function byTopic(inputs: readonly ConsumedInput[]): Map<string, ConsumedInput[]> {
  const grouped = new Map<string, ConsumedInput[]>();
  for (const input of inputs) {
    const ofTopic = grouped.get(input.topic);
    if (ofTopic === undefined) grouped.set(input.topic, [input]);
    else ofTopic.push(input);
  }
  return grouped;
}

/** Takes chunks from the front, in order, while their inputs fit in `inputsMax`; always at least one. */
function takeChunks(pending: PendingChunk[], inputsMax: number): PendingChunk[] {
  let inputs = 0;
  let count = 0;
  while (count < pending.length && (count === 0 || inputs + pending[count]!.valid.length <= inputsMax)) {
    inputs += pending[count]!.valid.length;
    count += 1;
  }
  return pending.splice(0, count);
}
