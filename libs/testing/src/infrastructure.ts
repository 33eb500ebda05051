import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Kafka, KafkaMessage } from 'kafkajs';
import { createIdempotentProducer, createKafka, ensureTopics, messagesOf, parseBrokers, TopicNamer } from '@restock/messaging';
import { Database, MigrationClass, runMigrations } from '@restock/event-store';

/**
 * The real PostgreSQL and Kafka that integration tests run against. tools/stack/test.mjs starts
 * them (or takes DATABASE_URL / KAFKA_BROKERS from the environment) before Jest runs.
 */
export const TEST_SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_BROKERS = parseBrokers(process.env.KAFKA_BROKERS);

function suffix(): string {
  return randomBytes(4).toString('hex');
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file, so tests never see each other's rows. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `restock_${label.replace(/[^a-z0-9]/g, '_')}_${suffix()}`;
  const admin = new Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(TEST_SERVER_URL, name),
    async drop() {
      // RESTOCK_KEEP_TEST_DATABASES=1 keeps them for a look after a failure.
      if (process.env.RESTOCK_KEEP_TEST_DATABASES === '1') return;
      const client = new Client({ connectionString: TEST_SERVER_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface PartitionRecord {
  readonly partition: number;
  readonly message: KafkaMessage;
}

export interface TestKafka {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  /** A prefix no other test run uses: topics and groups of this test are its own. */
  readonly topicPrefix: string;
  readonly namer: TopicNamer;
  /** Publishes raw messages (values already serialized or objects to serialize) to a logical topic. */
  publish(topic: string, messages: readonly { key: string | null; value: unknown; headers?: Record<string, string> }[]): Promise<void>;
  /**
   * Reads a logical topic from the beginning until `until` holds for what was read or the time runs
   * out. A packed record counts as the messages it carries (libs/messaging, packed-records.ts).
   */
  readUntil(topic: string, until: (messages: readonly KafkaMessage[]) => boolean, timeoutMs?: number): Promise<KafkaMessage[]>;
  /** Reads a logical topic's records as the broker holds them (a packed record as one), with their partitions. */
  readRecordsUntil(topic: string, until: (records: readonly PartitionRecord[]) => boolean, timeoutMs?: number): Promise<PartitionRecord[]>;
  createTopics(topics: readonly string[], partitions?: number): Promise<void>;
  close(): Promise<void>;
}

export const READ_TIMEOUT_MS = 20_000;

export function testKafka(label = 'test'): TestKafka {
  const topicPrefix = `t${suffix()}-${label}.`;
  const namer = new TopicNamer(topicPrefix);
  const kafka = createKafka({ brokers: TEST_BROKERS, clientId: `restock-test-${label}`, topicPrefix });
  const producer = createIdempotentProducer(kafka);
  let connected: Promise<void> | null = null;
  const known = new Set<string>();
  // Services create the topics they use; a test may publish or read first, so it creates them too.
  const ensure = async (topic: string) => {
    if (known.has(topic)) return;
    await ensureTopics(kafka, [{ name: namer.physical(topic), partitions: 6 }]);
    known.add(topic);
  };
  /** Reads a topic from the beginning, collecting what `itemsOf` makes of each record, until `until` holds for the collection. */
  async function readFromStart<T>(topic: string, until: (items: readonly T[]) => boolean, timeoutMs: number, itemsOf: (record: PartitionRecord) => T[], noun: string): Promise<T[]> {
    const consumer = kafka.consumer({ groupId: `${topicPrefix}reader-${suffix()}`, maxWaitTimeInMs: 100 });
    const items: T[] = [];
    await ensure(topic);
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: namer.physical(topic), fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`read ${items.length} ${noun} from ${topic} without meeting the condition in ${timeoutMs} ms`)), timeoutMs);
        if (until(items)) {
          clearTimeout(timer);
          resolve();
          return;
        }
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            items.push(...itemsOf({ partition, message }));
            if (until(items)) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      return items;
    } finally {
      await consumer.disconnect();
    }
  }
  return {
    kafka,
    brokers: TEST_BROKERS,
    topicPrefix,
    namer,
    async createTopics(topics, partitions = 6) {
      await ensureTopics(kafka, topics.map((topic) => ({ name: namer.physical(topic), partitions })));
    },
    async publish(topic, messages) {
      await ensure(topic);
      connected ??= producer.connect();
      await connected;
      await producer.send({
        topic: namer.physical(topic),
        acks: -1,
        messages: messages.map((message) => ({
          key: message.key,
          value: typeof message.value === 'string' || Buffer.isBuffer(message.value) ? message.value : JSON.stringify(message.value),
          headers: message.headers ?? {},
        })),
      });
    },
    readUntil(topic, until, timeoutMs = READ_TIMEOUT_MS) {
      return readFromStart(topic, until, timeoutMs, (record) => messagesOf(topic, record.message), 'messages');
    },
    readRecordsUntil(topic, until, timeoutMs = READ_TIMEOUT_MS) {
      return readFromStart(topic, until, timeoutMs, (record) => [record], 'records');
    },
    async close() {
      if (connected) await producer.disconnect();
    },
  };
}

/** Polls until the probe returns a value other than undefined, or fails with the last error seen. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError instanceof Error ? lastError : new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function parseValue<T = Record<string, unknown>>(message: KafkaMessage): T {
  return JSON.parse(message.value?.toString() ?? 'null') as T;
}

export interface MigratedDatabase {
  readonly testDb: TestDatabase;
  /** A pool of the schema's owner, bound to the schema. */
  readonly db: Database;
}

/**
 * A database of the spec file's own with `schema` migrated, created before its tests and dropped
 * after them. Registers its own beforeAll and afterAll; read its values in tests and hooks.
 */
export function migratedDatabase(label: string, schema: string, migrations: readonly MigrationClass[]): MigratedDatabase {
  let ready: MigratedDatabase | null = null;
  let testDb: TestDatabase | null = null;
  beforeAll(async () => {
    testDb = await createTestDatabase(label);
    await runMigrations(testDb.url, schema, migrations);
    ready = { testDb, db: new Database(testDb.url, schema) };
  });
  afterAll(async () => {
    await ready?.db.close();
    await testDb?.drop();
  });
  const get = () => {
    if (ready === null) throw new Error(`the ${label} database is not ready: migratedDatabase's values are for tests and hooks, after its beforeAll`);
    return ready;
  };
  return {
    get testDb() {
      return get().testDb;
    },
    get db() {
      return get().db;
    },
  };
}
