import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { createTestDatabase, eventually, TestDatabase, testKafka, TestKafka } from '@restock/testing';

const REPO_ROOT = join(__dirname, '..', '..');
const GRACEFUL_EXIT_MS_MAX = 10_000;
const INPUTS = 6_000;
const SKUS = 300;
const GROUP = 'restock.fulfillment';

/** The fulfillment service as a process of its own, as it runs in production. */
function startFulfillment(db: TestDatabase, kafka: TestKafka): { child: ChildProcess; listening: Promise<void>; exited: Promise<number | string> } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(REPO_ROOT, 'apps', 'fulfillment', 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      RESTOCK_TOPIC_PREFIX: kafka.topicPrefix,
      FULFILLMENT_PORT: '0',
      FULFILLMENT_TICK_INTERVAL_MS: '0',
      RESTOCK_INSTANCE_ID: 'fulfillment-graceful',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.resume();
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const listening = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line.includes('"listening"') && resolve());
    void exited.then((code) => reject(new Error(`fulfillment exited (${code}) before it listened`)));
  });
  return { child, listening, exited };
}

async function processedCount(db: TestDatabase): Promise<number> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const result = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM fulfillment.processed_inputs WHERE consumer = 'fulfillment'");
    return result.rows[0]!.n;
  } finally {
    await client.end();
  }
}

describe('a fulfillment instance stopped with SIGTERM', () => {
  let db: TestDatabase;
  let kafka: TestKafka;

  beforeAll(async () => {
    db = await createTestDatabase('graceful');
    kafka = testKafka('graceful');
  });

  afterAll(async () => {
    await kafka?.close();
    await db?.drop();
  });

  it('finishes its batch, commits it, leaves the group and exits within 10 s', async () => {
    const service = startFulfillment(db, kafka);
    try {
      await service.listening;
    } catch (error) {
      service.child.kill('SIGKILL');
      throw error;
    }
    const placedAt = '2026-12-01T10:00:00.000Z';
    const inputs = Array.from({ length: INPUTS }, (_, index) => {
      const sku = `GRACE-${index % SKUS}`;
      const data = { orderId: `O-${index}`, lineId: 'L1', sku, quantity: 1, placedAt, customerId: 'C-1' };
      return { key: sku, value: cloudEvent({ id: randomUUID(), source: 'test/graceful', type: 'OrderLinePlaced', time: placedAt, data }) };
    });
    await kafka.publish(TOPICS.orderEvents, inputs);
    await eventually(async () => ((await processedCount(db)) > 0 ? true : undefined), 60_000, 20);

    const stoppingAt = Date.now();
    service.child.kill('SIGTERM');
    const exitCode = await service.exited;
    const exitMs = Date.now() - stoppingAt;

    expect(exitMs).toBeLessThanOrEqual(GRACEFUL_EXIT_MS_MAX);
    expect([0, 'SIGTERM']).toContain(exitCode);
    const processed = await processedCount(db);
    expect(processed).toBeLessThan(INPUTS);
    // Every input whose effects were committed has its offset committed, and no offset was
    // committed for an input without effects: the committed offsets count exactly the processed.
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: kafka.namer.physical(GROUP), topics: [kafka.namer.physical(TOPICS.orderEvents)] });
      const committed = offsets!.partitions.reduce((sum, entry) => sum + Math.max(0, Number(entry.offset)), 0);
      expect(committed).toBe(processed);
      const { groups } = await admin.describeGroups([kafka.namer.physical(GROUP)]);
      expect(groups[0]!.members).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }, 180_000);
});
