import { randomBytes } from 'node:crypto';
import { Kafka, KafkaMessage } from 'kafkajs';

/** Offsets [start, end) of one partition. */
export interface PartitionRange {
  readonly partition: number;
  readonly start: string;
  readonly end: string;
}

export interface RangeQuery {
  /** The first offset to read, on every partition (clamped to what the partition holds). */
  readonly fromOffset?: bigint;
  /** The first message at or after this time. */
  readonly fromTime?: Date;
  /** Stop before the first message at or after this time; without it, the end as of now. */
  readonly toTime?: Date;
}

export const RANGE_READ_IDLE_TIMEOUT_MS = 30_000;
export const RANGE_READ_MAX_WAIT_MS = 250;

/** The topic does not exist on the broker (the name is the physical one). */
export class UnknownTopicError extends Error {
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist`);
    this.name = 'UnknownTopicError';
  }
}

export async function topicExists(kafka: Kafka, physicalTopic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(physicalTopic);
  } finally {
    await admin.disconnect();
  }
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
  return value < low ? low : value > high ? high : value;
}

/** Turns an offset or time range into offsets per partition, fixed now so the read has an end. */
export async function resolveRanges(kafka: Kafka, physicalTopic: string, query: RangeQuery): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(physicalTopic)) throw new UnknownTopicError(physicalTopic);
    const watermarks = await admin.fetchTopicOffsets(physicalTopic);
    const atTime = async (time: Date | undefined) =>
      time ? new Map((await admin.fetchTopicOffsetsByTimestamp(physicalTopic, time.getTime())).map((entry) => [entry.partition, BigInt(entry.offset)])) : null;
    const starts = await atTime(query.fromTime);
    const ends = await atTime(query.toTime);
    return watermarks
      .map((mark) => {
        const low = BigInt(mark.low);
        const high = BigInt(mark.high);
        // No message at or after the time: the broker answers -1, meaning the end of the partition.
        const byTime = (offsets: Map<number, bigint> | null) => {
          const offset = offsets?.get(mark.partition);
          return offset === undefined || offset < 0n ? high : offset;
        };
        const start = clamp(starts ? byTime(starts) : (query.fromOffset ?? low), low, high);
        const end = clamp(ends ? byTime(ends) : high, start, high);
        return { partition: mark.partition, start: String(start), end: String(end) };
      })
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

export function rangeSize(ranges: readonly PartitionRange[]): number {
  return ranges.reduce((sum, range) => sum + Number(BigInt(range.end) - BigInt(range.start)), 0);
}

/**
 * Reads exactly the given offset ranges of a topic, once each, in offset order per partition,
 * with a throwaway consumer group that commits nothing. Transaction markers may occupy the last
 * offsets of a range; the batch events account for them so the read still ends.
 */
export async function readRanges(
  kafka: Kafka,
  physicalTopic: string,
  ranges: readonly PartitionRange[],
  onMessages: (partition: number, messages: readonly KafkaMessage[]) => Promise<void>,
  idleTimeoutMs = RANGE_READ_IDLE_TIMEOUT_MS,
): Promise<void> {
  const wanted = ranges.filter((range) => BigInt(range.end) > BigInt(range.start));
  if (wanted.length === 0) return;
  const next = new Map(wanted.map((range) => [range.partition, BigInt(range.start)]));
  const ends = new Map(wanted.map((range) => [range.partition, BigInt(range.end)]));
  const consumer = kafka.consumer({
    groupId: `restock.range-reader.${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: RANGE_READ_MAX_WAIT_MS,
    readUncommitted: false,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout;
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => reject(new Error(`no progress reading ${physicalTopic} for ${idleTimeoutMs} ms`)), idleTimeoutMs);
      };
      const finishedIfDone = () => {
        if ([...next.entries()].every(([partition, offset]) => offset >= ends.get(partition)!)) {
          clearTimeout(idle);
          resolve();
        }
      };
      touch();
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const current = next.get(payload.partition);
        if (payload.topic !== physicalTopic || current === undefined) return;
        const reached = BigInt(payload.lastOffset) + 1n;
        if (reached > current) next.set(payload.partition, reached > ends.get(payload.partition)! ? ends.get(payload.partition)! : reached);
        finishedIfDone();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      const start = async () => {
        await consumer.subscribe({ topic: physicalTopic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
            const from = next.get(batch.partition);
            const end = ends.get(batch.partition);
            if (from === undefined || end === undefined) return;
            const inRange = batch.messages.filter((message) => BigInt(message.offset) >= from && BigInt(message.offset) < end);
            if (inRange.length > 0) {
              await onMessages(batch.partition, inRange);
              next.set(batch.partition, BigInt(inRange[inRange.length - 1]!.offset) + 1n);
              touch();
            }
            // Without it the next fetch starts at the same offset again: a partition holding more
            // than one fetch (1 MiB) would never be read past its first.
            resolveOffset(batch.lastOffset());
            await heartbeat();
            finishedIfDone();
          },
        });
        const idlePartitions = ranges.filter((range) => !next.has(range.partition)).map((range) => range.partition);
        if (idlePartitions.length > 0) consumer.pause([{ topic: physicalTopic, partitions: idlePartitions }]);
        for (const range of wanted) consumer.seek({ topic: physicalTopic, partition: range.partition, offset: range.start });
      };
      start().catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
