import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { appendToStreams, Database, enqueue, EVENT_STORE_MIGRATIONS, OUTBOX_MESSAGE_BYTES_MAX, runMigrations } from '@restock/event-store';
import { createTestDatabase, eventually, parseValue, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { OutboxRelay, OutboxRelayOptions, RELAY_SEND_BYTES_MAX, RELAY_TRANSACTION_BYTES_MAX, RELAY_TRANSACTION_MESSAGES_MAX } from './outbox-relay';

const WRITERS = 8;
const EVENTS_PER_WRITER = 1_250;
const BATCH_PER_TRANSACTION = 25;
const TOPIC = 'relay.test.v1';
const STREAMS_PER_WRITER = 5;
/** Far above the broker's 1 MiB record batch limit when all of it goes to one partition, and above one transaction's bytes. */
const LARGE_MESSAGES = 24;
const LARGE_MESSAGE_BYTES = 100 * 1024;
/** The broker's message.max.bytes, which one partition's record batch may not pass. */
const BROKER_RECORD_BATCH_BYTES_MAX = 1024 * 1024;

function startRelay(testDb: TestDatabase, kafka: TestKafka): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'testing', 'relay-process.ts')], {
    env: {
      ...process.env,
      SWC_NODE_PROJECT: join(__dirname, '..', '..', '..', 'tsconfig.json'),
      DATABASE_URL: testDb.url,
      RELAY_SCHEMA: 'relay',
      RELAY_NAME: 'relay-test',
      RESTOCK_TOPIC_PREFIX: kafka.topicPrefix,
      KAFKA_BROKERS: kafka.brokers.join(','),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function published(relay: ChildProcess): { count: number } {
  const progress = { count: 0 };
  relay.stdout!.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/published (\d+)/g)) progress.count += Number(match[1]);
  });
  return progress;
}

/** Writes events of several streams, each with its outbox message, in transactions like a service does. */
async function write(db: Database, writer: number): Promise<void> {
  const versions = new Map<string, number>();
  for (let sent = 0; sent < EVENTS_PER_WRITER; sent += BATCH_PER_TRANSACTION) {
    const streamId = `w${writer}-s${(sent / BATCH_PER_TRANSACTION) % STREAMS_PER_WRITER}`;
    const version = versions.get(streamId) ?? 0;
    const batch = Array.from({ length: BATCH_PER_TRANSACTION }, (_, index) => ({ id: randomUUID(), type: 'Happened', data: { streamId, version: version + index + 1 } }));
    await db.transaction(
      async (tx) => {
        await appendToStreams(tx, [{ streamId, expectedVersion: version, events: batch }]);
        await enqueue(tx, batch.map((event) => ({ topic: TOPIC, key: streamId, value: { id: event.id, data: event.data } })));
      },
      { lockKeys: [streamId] },
    );
    versions.set(streamId, version + batch.length);
  }
}

describe('outbox relay', () => {
  let testDb: TestDatabase;
  let kafka: TestKafka;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase('relay');
    kafka = testKafka('relay');
    await runMigrations(testDb.url, 'relay', [...EVENT_STORE_MIGRATIONS]);
    await kafka.createTopics([TOPIC]);
    db = new Database(testDb.url, 'relay', 12);
  });

  afterAll(async () => {
    await db.close();
    await kafka.close();
    await testDb.drop();
  });

  /** Runs `work` while a relay of the test outbox publishes, and stops the relay after it. */
  async function whileRelaying<T>(options: Pick<OutboxRelayOptions, 'relayName'> & Partial<OutboxRelayOptions>, work: () => Promise<T>): Promise<T> {
    const relay = new OutboxRelay({ db, kafka: kafka.kafka, namer: kafka.namer, ...options });
    relay.start();
    try {
      return await work();
    } finally {
      await relay.stop();
    }
  }

  it('publishes 10,000 events from 8 concurrent writers exactly once, in stream order, across a kill -9 and restart', async () => {
    const total = WRITERS * EVENTS_PER_WRITER;
    let relay = startRelay(testDb, kafka);
    const firstRun = published(relay);
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, writer) => write(db, writer)));
    await eventually(async () => (firstRun.count >= total / 4 ? true : undefined), 60_000, 20);
    relay.kill('SIGKILL');
    await new Promise((resolve) => relay.once('exit', resolve));
    relay = startRelay(testDb, kafka);
    await writing;
    try {
      const all = await kafka.readUntil(TOPIC, (read) => read.length >= total, 90_000);
      // A duplicate would show up as a message beyond the total: none may arrive.
      await expect(kafka.readUntil(TOPIC, (read) => read.length > total, 5_000)).rejects.toThrow(/without meeting the condition/);
      const values = all.map((message) => parseValue<{ id: string; data: { streamId: string; version: number } }>(message));
      expect(new Set(values.map((value) => value.id)).size).toBe(total);
      expect(values).toHaveLength(total);
      const lastVersion = new Map<string, number>();
      for (const { data } of values) {
        expect(data.version).toBe((lastVersion.get(data.streamId) ?? 0) + 1);
        lastVersion.set(data.streamId, data.version);
      }
    } finally {
      relay.kill('SIGTERM');
    }
  }, 180_000);

  it('publishes more bytes for one partition than the broker takes in one record batch, in several transactions', async () => {
    const topic = 'relay.large.v1';
    await kafka.createTopics([topic]);
    const padding = 'x'.repeat(LARGE_MESSAGE_BYTES);
    expect(LARGE_MESSAGES * LARGE_MESSAGE_BYTES).toBeGreaterThan(RELAY_TRANSACTION_BYTES_MAX);
    await db.transaction(async (tx) => {
      await enqueue(tx, Array.from({ length: LARGE_MESSAGES }, (_, index) => ({ topic, key: 'one-key', value: { index, padding } })));
    });
    await whileRelaying({ relayName: 'relay-large', batchSizeMax: 1_000 }, async () => {
        const read = await kafka.readUntil(topic, (messages) => messages.length >= LARGE_MESSAGES, 60_000);
        expect(read.map((message) => parseValue<{ index: number }>(message).index)).toEqual(Array.from({ length: LARGE_MESSAGES }, (_, index) => index));
    });
  }, 90_000);

  it('publishes in one transaction more messages for one partition than the broker takes in one record batch', async () => {
    const topic = 'relay.one-partition.v1';
    await kafka.createTopics([topic]);
    const count = RELAY_TRANSACTION_MESSAGES_MAX;
    const padding = 'y'.repeat(400);
    await db.transaction(async (tx) => {
      await enqueue(tx, Array.from({ length: count }, (_, index) => ({ topic, key: 'one-key', value: { index, padding } })));
    });
    const sentBytes = Number((await db.query<{ bytes: string }>('SELECT sum(bytes) AS bytes FROM outbox WHERE position IN (SELECT position FROM outbox_messages WHERE topic = $1)', [topic])).rows[0]!.bytes);
    expect(sentBytes).toBeGreaterThan(BROKER_RECORD_BATCH_BYTES_MAX);
    expect(sentBytes).toBeLessThanOrEqual(RELAY_TRANSACTION_BYTES_MAX);
    expect(sentBytes).toBeGreaterThan(RELAY_SEND_BYTES_MAX);
    const transactions: number[] = [];
    await whileRelaying({ relayName: 'relay-one-partition', onPublished: (published) => transactions.push(published) }, async () => {
        const read = await kafka.readUntil(topic, (messages) => messages.length >= count, 60_000);
        expect(read.map((message) => parseValue<{ index: number }>(message).index)).toEqual(Array.from({ length: count }, (_, index) => index));
        expect(transactions).toEqual([count]);
    });
  }, 90_000);

  it('publishes a message as large as the outbox takes, with headers, within what the broker takes', async () => {
    const topic = 'relay.largest.v1';
    await kafka.createTopics([topic]);
    // A JSON string of n characters is n + 2 bytes; the key is 'k'.
    const value = 'z'.repeat(OUTBOX_MESSAGE_BYTES_MAX - 1 - 2);
    await db.transaction((tx) => enqueue(tx, [{ topic, key: 'k', value, headers: { causationid: randomUUID(), 'ce_type': 'Largest' } }]));
    await whileRelaying({ relayName: 'relay-largest' }, async () => {
        const [read] = await kafka.readUntil(topic, (messages) => messages.length >= 1, 60_000);
        expect(parseValue<string>(read!)).toBe(value);
    });
  }, 90_000);

  it('clears the rows a predecessor published but had not recorded when it stopped, without publishing them again', async () => {
    const topic = 'relay.handover.v1';
    await kafka.createTopics([topic]);
    await db.transaction((tx) => enqueue(tx, Array.from({ length: 5 }, (_, index) => ({ topic, key: `key-${index}`, value: { index } }))));
    await db.query('CREATE TABLE handover_copy AS SELECT * FROM outbox WHERE position IN (SELECT position FROM outbox_messages WHERE topic = $1)', [topic]);
    const outboxMessages = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox_messages WHERE topic = $1', [topic])).rows[0]!.n);
    await whileRelaying({ relayName: 'relay-handover' }, async () => {
      await kafka.readUntil(topic, (messages) => messages.length >= 5, 60_000);
      await eventually(async () => ((await outboxMessages()) === 0 ? true : undefined), 30_000);
    });
    // The state a predecessor leaves when it stops after its Kafka commit, before the rows are recorded.
    await db.query('INSERT INTO outbox SELECT * FROM handover_copy');
    expect(await outboxMessages()).toBe(5);
    await whileRelaying({ relayName: 'relay-handover' }, async () => {
      await eventually(async () => ((await outboxMessages()) === 0 ? true : undefined), 30_000);
      await expect(kafka.readUntil(topic, (messages) => messages.length > 5, 3_000)).rejects.toThrow(/without meeting/);
    });
  }, 120_000);
});
