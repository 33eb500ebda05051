import { Database, EVENT_STORE_MIGRATIONS, POOL_SIZE_MAX, processedAmong, runtimeRoleOf } from '@restock/event-store';
import { eventually, migratedDatabase, testKafka, TestKafka } from '@restock/testing';
import { InputRetentionPolicy, ProcessedInputsPruner, PRUNE_STOP_WAIT_MS, REDELIVERY_MARGIN_MS } from './input-retention';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from './kafka';

const HOUR_MS = 3_600_000;
const TOPICS: InputRetentionPolicy = { kind: 'topics', atLeastMs: 0 };

describe('the processed-inputs pruner, with the retention the broker reports', () => {
  const database = migratedDatabase('input_retention', 'store', EVENT_STORE_MIGRATIONS);
  /** As a service runs: the owner's login acting as the runtime role. */
  let db: Database;
  let kafka: TestKafka;

  beforeAll(() => {
    db = new Database(database.testDb.url, 'store', POOL_SIZE_MAX, runtimeRoleOf('store'));
    kafka = testKafka('retention');
  });

  afterAll(async () => {
    await db?.close();
    await kafka?.close();
  });

  async function createTopic(topic: string, config: Record<string, string>): Promise<void> {
    await ensureTopics(kafka.kafka, [{ name: kafka.namer.physical(topic), partitions: 1, config }]);
  }

  /** A consumer's ids, one delivered this many hours ago each. */
  async function seed(consumer: string, hoursAgo: readonly number[]): Promise<string[]> {
    const ids = hoursAgo.map((hours) => `${consumer}-${hours}h`);
    await database.db.query(
      `INSERT INTO processed_inputs (consumer, input_id, processed_at)
       SELECT $1, id, now() - make_interval(hours => h) FROM unnest($2::text[], $3::int[]) AS s(id, h)`,
      [consumer, ids, hoursAgo],
    );
    return ids;
  }

  async function kept(consumer: string, ids: readonly string[]): Promise<string[]> {
    const found = await processedAmong(database.db, consumer, ids);
    return ids.filter((id) => found.has(id));
  }

  function pruner(consumer: string, topics: readonly string[], policy = TOPICS, extra: { intervalMs?: number; rowsPerStatement?: number } = {}) {
    return new ProcessedInputsPruner({ db, kafka: kafka.kafka, namer: kafka.namer, consumerName: consumer, topics, policy, ...extra });
  }

  it("keeps ids for the topic's retention plus a segment plus the margin, then also for its dead-letter topic's", async () => {
    await createTopic('in.a.v1', { 'retention.ms': String(2 * HOUR_MS), 'segment.ms': String(HOUR_MS) });
    const ids = await seed('c-a', [1, 20, 26, 28, 40, 100, 200]);

    const first = await pruner('c-a', ['in.a.v1'], TOPICS, { rowsPerStatement: 2 }).runOnce();
    expect(first).toEqual({ keepMs: 3 * HOUR_MS + REDELIVERY_MARGIN_MS, deleted: 4, yielded: false });
    expect(await kept('c-a', ids)).toEqual(['c-a-1h', 'c-a-20h', 'c-a-26h']);

    // A dead letter can be redriven to every consumer of the topic while its DLQ holds it.
    await createTopic('in.a.v1.dlq', { 'retention.ms': String(2 * 24 * HOUR_MS), 'segment.ms': String(HOUR_MS) });
    const more = await seed('c-a', [60, 72, 80]);
    const second = await pruner('c-a', ['in.a.v1'], TOPICS).runOnce();
    expect(second).toEqual({ keepMs: 49 * HOUR_MS + REDELIVERY_MARGIN_MS, deleted: 1, yielded: false });
    expect(await kept('c-a', [...ids, ...more])).toEqual(['c-a-1h', 'c-a-20h', 'c-a-26h', 'c-a-60h', 'c-a-72h']);
  }, 60_000);

  it('keeps everything while one of its topics keeps messages forever, compacted or with retention -1', async () => {
    await createTopic('in.b.v1', { 'retention.ms': String(HOUR_MS), 'segment.ms': String(HOUR_MS) });
    await createTopic('in.compacted.v1', { 'cleanup.policy': 'compact' });
    await createTopic('in.forever.v1', { 'retention.ms': '-1' });
    const ids = await seed('c-b', [1, 100, 10_000]);
    expect(await pruner('c-b', ['in.b.v1', 'in.compacted.v1']).runOnce()).toEqual({ keepMs: null, deleted: 0, yielded: false });
    expect(await pruner('c-b', ['in.b.v1', 'in.forever.v1']).runOnce()).toEqual({ keepMs: null, deleted: 0, yielded: false });
    expect(await pruner('c-b', ['in.b.v1'], { kind: 'forever' }).runOnce()).toEqual({ keepMs: null, deleted: 0, yielded: false });
    expect(await kept('c-b', ids)).toEqual(ids);
    // Compaction with deletion drops old segments like plain deletion.
    await createTopic('in.compact-delete.v1', { 'cleanup.policy': 'compact,delete', 'retention.ms': String(HOUR_MS), 'segment.ms': String(HOUR_MS) });
    expect(await pruner('c-b', ['in.b.v1', 'in.compact-delete.v1']).runOnce()).toEqual({ keepMs: 2 * HOUR_MS + REDELIVERY_MARGIN_MS, deleted: 2, yielded: false });
    expect(await kept('c-b', ids)).toEqual(['c-b-1h']);
  }, 60_000);

  it("keeps at least the operator's minimum", async () => {
    await createTopic('in.c.v1', { 'retention.ms': String(HOUR_MS), 'segment.ms': String(HOUR_MS) });
    const ids = await seed('c-c', [30, 24 * 8]);
    expect(await pruner('c-c', ['in.c.v1'], { kind: 'topics', atLeastMs: 7 * 24 * HOUR_MS }).runOnce()).toEqual({ keepMs: 7 * 24 * HOUR_MS, deleted: 1, yielded: false });
    expect(await kept('c-c', ids)).toEqual(['c-c-30h']);
  }, 60_000);

  it('leaves the run to another instance that is pruning the same consumer', async () => {
    await createTopic('in.d.v1', { 'retention.ms': String(HOUR_MS), 'segment.ms': String(HOUR_MS) });
    const ids = await seed('c-d', [100]);
    const other = await database.db.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', ['restock.processed-inputs-prune/store/c-d']);
      expect(await pruner('c-d', ['in.d.v1']).runOnce()).toEqual({ keepMs: 2 * HOUR_MS + REDELIVERY_MARGIN_MS, deleted: 0, yielded: true });
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    expect(await pruner('c-d', ['in.d.v1']).runOnce()).toMatchObject({ deleted: 1, yielded: false });
    expect(await kept('c-d', ids)).toEqual([]);
  }, 60_000);

  it('runs on its own every interval once started, and stops', async () => {
    await createTopic('in.e.v1', { 'retention.ms': String(HOUR_MS), 'segment.ms': String(HOUR_MS) });
    await seed('c-e', [100]);
    const running = pruner('c-e', ['in.e.v1'], TOPICS, { intervalMs: 200 });
    running.start(0);
    try {
      await eventually(async () => ((await kept('c-e', ['c-e-100h'])).length === 0 ? true : undefined));
      // A later delivery that has since grown old goes at a later run.
      await seed('c-e', [101]);
      await eventually(async () => ((await kept('c-e', ['c-e-101h'])).length === 0 ? true : undefined));
    } finally {
      await running.stop();
    }
  }, 60_000);

  it('logs a run that cannot reach the broker, deletes nothing, and does not hold up its stop', async () => {
    const ids = await seed('c-f', [10_000]);
    const warnings: string[] = [];
    const unreachable = new ProcessedInputsPruner({
      db,
      // Retries that outlast the stop's wait but end within the test (the services' client retries for about half a minute).
      kafka: new Kafka({ brokers: ['127.0.0.1:1'], clientId: 'restock-test-unreachable', retry: { retries: 5, initialRetryTime: 500, factor: 0 }, logLevel: logLevel.NOTHING }),
      namer: kafka.namer,
      consumerName: 'c-f',
      topics: ['in.f.v1'],
      policy: TOPICS,
      intervalMs: 60_000,
      log: (level, message) => warnings.push(`${level}: ${message}`),
    });
    unreachable.start(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = Date.now();
    await unreachable.stop();
    // The run was still retrying: the stop waited its bounded while, not for the run, and said so.
    expect(warnings).toEqual([`warn: stopped without waiting more than ${PRUNE_STOP_WAIT_MS} ms for a prune run in progress`]);
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(PRUNE_STOP_WAIT_MS - 50);
    expect(Date.now() - stopping).toBeLessThan(PRUNE_STOP_WAIT_MS + 500);
    await eventually(async () => (warnings.length > 1 ? true : undefined), 20_000);
    expect(warnings[1]).toMatch(/^warn: pruning processed input ids failed/);
    expect(await kept('c-f', ids)).toEqual(ids);
  }, 90_000);
});
