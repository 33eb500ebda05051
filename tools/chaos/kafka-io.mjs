// Kafka for the chaos run: topics, the upstream producer (which keeps retrying through broker
// restarts), consumer lag that ignores transaction markers, and whole-topic reads.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../stack/infra.mjs';

const require = createRequire(import.meta.url);
const { Kafka, logLevel, Partitioners } = require('kafkajs');

const SEND_RETRY_MS = 1_000;
const ADMIN_TIMEOUT_MS = 10_000;
const TOPIC_PARTITIONS = 6;

/** Loads a TypeScript module of the workspace (path aliases resolve through the root tsconfig). */
export function loadTs(relativePath) {
  process.env.SWC_NODE_PROJECT ??= join(REPO_ROOT, 'tsconfig.json');
  require('@swc-node/register');
  return require(join(REPO_ROOT, relativePath));
}

export function chaosKafkaClient(brokers, clientId) {
  // The services may publish compressed batches (RESTOCK_KAFKA_COMPRESSION); the observer reads them.
  loadTs('libs/messaging/src/compression.ts').registerCompressionCodecs();
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((broker) => broker.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
}

/** What each consumer group reads, by logical topic name; input topics are written without transactions. */
export const CONSUMER_GROUPS = {
  'restock.orders': ['ecommerce.orders.v1', 'restock.fulfillment.events.v1'],
  'restock.fulfillment': ['restock.catalog.events.v1', 'restock.orders.events.v1', 'restock.supply.events.v1', 'restock.inventory.events.v1'],
  'restock.inventory': ['warehouse.events.v1', 'restock.supply.events.v1', 'restock.fulfillment.ledger.v1'],
  'restock.supplier-receipts': ['purchasing.purchase-orders.v1', 'warehouse.events.v1'],
};
const NON_TRANSACTIONAL = new Set(['ecommerce.orders.v1', 'purchasing.purchase-orders.v1', 'warehouse.events.v1']);

export async function createTopics(kafka, prefix) {
  const { TOPIC_SPECS, deadLetterTopic } = loadTs('libs/contracts/src/topics.ts');
  const names = TOPIC_SPECS.flatMap((spec) => (spec.hasDeadLetterTopic ? [spec.name, deadLetterTopic(spec.name)] : [spec.name]));
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      timeout: ADMIN_TIMEOUT_MS,
      topics: names.map((name) => ({ topic: `${prefix}${name}`, numPartitions: TOPIC_PARTITIONS, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** The upstream systems' producer: idempotent, in order per key, and patient through broker restarts. */
export function upstreamProducer(kafka, prefix) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  let connected = null;
  return {
    async send(messages) {
      const byTopic = new Map();
      for (const message of messages) {
        const topic = `${prefix}${message.topic}`;
        const list = byTopic.get(topic) ?? [];
        list.push({ key: message.key, value: message.raw ?? JSON.stringify(message.value) });
        byTopic.set(topic, list);
      }
      const topicMessages = [...byTopic.entries()].map(([topic, list]) => ({ topic, messages: list }));
      for (;;) {
        try {
          connected ??= producer.connect();
          await connected;
          await producer.sendBatch({ acks: -1, topicMessages });
          return;
        } catch {
          // A restarting broker: the same messages go again; consumers deduplicate by event id.
          connected = null;
          await producer.disconnect().catch(() => {});
          await new Promise((resolvePromise) => setTimeout(resolvePromise, SEND_RETRY_MS));
        }
      }
    },
    close: () => producer.disconnect().catch(() => {}),
  };
}

async function partitionLag(admin, groupId, topic) {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const marks = await admin.fetchTopicOffsets(topic);
  const done = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
  return marks.map((mark) => {
    const low = BigInt(mark.low);
    const at = done.get(mark.partition) ?? -1n;
    const from = at < low ? low : at;
    return { partition: mark.partition, from, high: BigInt(mark.high) };
  });
}

/**
 * Unprocessed messages per group, transaction markers aside. On a topic the outbox relays write in
 * transactions the last offset of a partition is a commit (or abort) marker that no consumer ever
 * commits past; a gap of one there is no lag. A wider gap is read to count the real messages in it.
 */
export async function consumerLag(kafka, prefix) {
  const { readRanges } = loadTs('libs/messaging/src/topic-range.ts');
  const admin = kafka.admin();
  await admin.connect();
  let total = 0;
  const byGroup = {};
  try {
    for (const [group, topics] of Object.entries(CONSUMER_GROUPS)) {
      let lag = 0;
      for (const topic of topics) {
        const physical = `${prefix}${topic}`;
        const partitions = await partitionLag(admin, `${prefix}${group}`, physical);
        const transactional = !NON_TRANSACTIONAL.has(topic);
        const unclear = [];
        for (const { partition, from, high } of partitions) {
          const gap = Number(high - from);
          if (gap <= 0 || (transactional && gap === 1)) continue;
          if (!transactional || gap > 50) lag += gap;
          else unclear.push({ partition, start: String(from), end: String(high) });
        }
        if (unclear.length > 0) await readRanges(kafka, physical, unclear, async (_partition, messages) => void (lag += messages.length), 15_000);
      }
      byGroup[group] = lag;
      total += lag;
    }
  } finally {
    await admin.disconnect();
  }
  return { total, byGroup };
}

/** Every committed message of a topic, in offset order per partition. */
export async function readTopic(kafka, prefix, topic) {
  const { readRanges, resolveRanges } = loadTs('libs/messaging/src/topic-range.ts');
  const physical = `${prefix}${topic}`;
  const ranges = await resolveRanges(kafka, physical, {});
  const messages = [];
  await readRanges(kafka, physical, ranges, async (partition, batch) => {
    for (const message of batch) messages.push({ partition, ...message });
  });
  return messages;
}

/** Describes a consumer group's members (client ids). */
export async function groupMembers(kafka, groupId) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((member) => member.clientId);
  } finally {
    await admin.disconnect();
  }
}
