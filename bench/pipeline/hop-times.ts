import { Kafka } from 'kafkajs';
import { TOPICS } from '@restock/contracts';
import { createKafka, messagesOf, parseBrokers } from '@restock/messaging';
import { percentile } from '../harness/results';

/**
 * Where an order's acknowledgement latency goes, hop by hop, from the times Kafka records carry
 * (set by their producer): the order sent, its last line re-keyed by orders (`OrderLinePlaced`), its
 * last line decided by fulfillment (`LineDecided`), its `OrderAcknowledged`. Reads a benchmark run's
 * topics after the run: the bench prints their prefix, and keeps them with RESTOCK_BENCH_KEEP_TOPICS=1.
 *
 *   RESTOCK_BENCH_KEEP_TOPICS=1 npm run bench -- --only pipeline
 *   node -r @swc-node/register bench/pipeline/hop-times.ts <topic prefix> [order id part, e.g. P2 for the latency phase]
 */

/** A record as this needs it: its producer's time and the order it concerns, if any. */
export interface TimedRecord {
  readonly timestampMs: number;
  readonly orderId: string | null;
  readonly type: string | null;
}

export interface HopTimes {
  readonly hop: string;
  readonly orders: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
}

const HOPS = ['sent → OrderLinePlaced', 'OrderLinePlaced → LineDecided', 'LineDecided → OrderAcknowledged', 'sent → OrderAcknowledged'] as const;

/** Each order's time on a topic: the latest (its last line) or earliest of its records of a type. */
function timesByOrder(records: readonly TimedRecord[], type: string | null, orderIdPart: string, pick: (a: number, b: number) => number): Map<string, number> {
  const times = new Map<string, number>();
  for (const record of records) {
    if (record.orderId === null || !record.orderId.includes(orderIdPart)) continue;
    if (type !== null && record.type !== type) continue;
    const known = times.get(record.orderId);
    times.set(record.orderId, known === undefined ? record.timestampMs : pick(known, record.timestampMs));
  }
  return times;
}

/**
 * Each hop's percentiles over the orders whose every hop is on record. An order's time at a hop
 * is its latest record there (its last line), at the acknowledgement its first.
 */
export function hopTimes(
  topics: { readonly sent: readonly TimedRecord[]; readonly placed: readonly TimedRecord[]; readonly decided: readonly TimedRecord[]; readonly updates: readonly TimedRecord[] },
  orderIdPart = '',
): HopTimes[] {
  const sent = timesByOrder(topics.sent, null, orderIdPart, Math.max);
  const placed = timesByOrder(topics.placed, 'OrderLinePlaced', orderIdPart, Math.max);
  const decided = timesByOrder(topics.decided, 'LineDecided', orderIdPart, Math.max);
  const acknowledged = timesByOrder(topics.updates, 'OrderAcknowledged', orderIdPart, Math.min);
  const spans: number[][] = HOPS.map(() => []);
  for (const [orderId, at] of sent) {
    const times = [at, placed.get(orderId), decided.get(orderId), acknowledged.get(orderId)];
    if (times.some((time) => time === undefined)) continue;
    const [t0, t1, t2, t3] = times as number[];
    [t1! - t0!, t2! - t1!, t3! - t2!, t3! - t0!].forEach((span, index) => spans[index]!.push(span));
  }
  return HOPS.map((hop, index) => ({
    hop,
    orders: spans[index]!.length,
    p50Ms: percentile(spans[index]!, 0.5),
    p90Ms: percentile(spans[index]!, 0.9),
    p99Ms: percentile(spans[index]!, 0.99),
  }));
}

const QUIET_MS = 4_000;

/** Every message of a (logical) topic, a packed record as the events it carries, read from the beginning until none has come for QUIET_MS. */
async function readTopic(kafka: Kafka, prefix: string, topic: string, orderIdOf: (value: { data?: { orderId?: unknown } }, key: string) => string | null): Promise<TimedRecord[]> {
  const records: TimedRecord[] = [];
  const consumer = kafka.consumer({ groupId: `hop-times-${process.pid}-${Date.now()}`, maxBytesPerPartition: 10 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `${prefix}${topic}`, fromBeginning: true });
    let lastAt = Date.now();
    await consumer.run({
      eachMessage: async ({ message: record }) => {
        lastAt = Date.now();
        for (const message of messagesOf(topic, record)) {
          const value = JSON.parse(message.value?.toString() ?? 'null') as { type?: string; data?: { orderId?: unknown } } | null;
          if (value === null) continue;
          records.push({ timestampMs: Number(message.timestamp), orderId: orderIdOf(value, message.key?.toString() ?? ''), type: value.type ?? null });
        }
      },
    });
    while (Date.now() - lastAt < QUIET_MS) await new Promise((resolve) => setTimeout(resolve, 250));
  } finally {
    await consumer.disconnect();
  }
  return records;
}

async function main(): Promise<void> {
  const [prefix, orderIdPart = ''] = process.argv.slice(2);
  if (!prefix) throw new Error('usage: hop-times.ts <topic prefix> [order id part]');
  const kafka = createKafka({ clientId: 'restock-hop-times', brokers: parseBrokers(process.env['KAFKA_BROKERS']), topicPrefix: '' });
  // kafkajs answers a topic that does not exist with "This server does not host this topic-partition".
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics().finally(() => admin.disconnect()));
  const missing = [TOPICS.ecommerceOrders, TOPICS.orderEvents, TOPICS.fulfillmentEvents, TOPICS.customerUpdates].map((topic) => `${prefix}${topic}`).filter((topic) => !existing.has(topic));
  if (missing.length > 0) throw new Error(`no topic ${missing.join(', ')}: the prefix is the one the bench printed, with its final dot, and the run kept its topics (RESTOCK_BENCH_KEEP_TOPICS=1)`);
  const byKey = (_value: unknown, key: string) => key;
  const byData = (value: { data?: { orderId?: unknown } }) => (typeof value.data?.orderId === 'string' ? value.data.orderId : null);
  const hops = hopTimes(
    {
      sent: await readTopic(kafka, prefix, TOPICS.ecommerceOrders, byKey),
      placed: await readTopic(kafka, prefix, TOPICS.orderEvents, byData),
      decided: await readTopic(kafka, prefix, TOPICS.fulfillmentEvents, byData),
      updates: await readTopic(kafka, prefix, TOPICS.customerUpdates, byKey),
    },
    orderIdPart,
  );
  for (const hop of hops) console.log(`${hop.hop.padEnd(34)} ${hop.orders} orders  p50 ${hop.p50Ms} ms  p90 ${hop.p90Ms} ms  p99 ${hop.p99Ms} ms`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
