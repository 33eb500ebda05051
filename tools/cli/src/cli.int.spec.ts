import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PoolClient } from 'pg';
import { cloudEvent, deadLetterTopic, TOPICS } from '@restock/contracts';
import { Database, processedAmong, readStream } from '@restock/event-store';
import { BatchConsumer, ConsumedInput, packForPartitions } from '@restock/messaging';
import { loadServiceConfig, RunningService, startService } from '@restock/platform';
import { createTestDatabase, eventually, TestDatabase, testKafka, TestKafka } from '@restock/testing';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const BIN = join(REPO_ROOT, 'tools', 'cli', 'bin', 'restock.js');
const CATALOG_REQUESTS = 300;
const REQUESTS_IN_FLIGHT = 8;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], env: Record<string, string>, command = process.execPath, prefix: readonly string[] = [BIN]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, [...prefix, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function input(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'test', type, time, data });
}

/** Random product definitions and discontinuations over a few SKUs, several requests at a time. */
async function catalogWorkload(url: string, skus: readonly string[], requests: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next += 1;
      const sku = skus[Math.floor(Math.random() * skus.length)]!;
      if (Math.random() < 0.1) {
        await fetch(`${url}/products/${sku}/discontinue`, { method: 'POST' });
        continue;
      }
      const body = { name: `Product ${Math.floor(Math.random() * 5)}`, backorderable: Math.random() < 0.7, maxBackorderDays: Math.floor(Math.random() * 60), leadTimeDays: Math.random() < 0.2 ? null : Math.floor(Math.random() * 30), onLimitExceeded: Math.random() < 0.5 ? 'CANCEL' : 'NOTIFY' };
      await fetch(`${url}/products/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    }
  };
  await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, worker));
}

describe('restock CLI', () => {
  let kafka: TestKafka;
  let catalogDb: TestDatabase;
  let fulfillmentDb: TestDatabase;
  let catalog: RunningService;
  let fulfillment: RunningService;
  let env: (db: TestDatabase) => Record<string, string>;

  beforeAll(async () => {
    // The CLI loads the services' adapters lazily; the test does the same (Nx forbids mixing both).
    const { catalogService } = await import('@restock/catalog-adapters');
    const { fulfillmentService } = await import('@restock/fulfillment-adapters');
    kafka = testKafka('cli');
    [catalogDb, fulfillmentDb] = await Promise.all([createTestDatabase('cli_catalog'), createTestDatabase('cli_fulfillment')]);
    const catalogConfig = loadServiceConfig('catalog', process.env, { databaseUrl: catalogDb.url, topicPrefix: kafka.topicPrefix, port: 0 });
    catalog = await startService(catalogConfig, catalogService(catalogConfig));
    // The service prunes nothing on its own, so what `restock inputs` finds past the window stays there until it prunes.
    const fulfillmentConfig = loadServiceConfig('fulfillment', { ...process.env, RESTOCK_PROCESSED_INPUTS_RETENTION: 'forever' }, { databaseUrl: fulfillmentDb.url, topicPrefix: kafka.topicPrefix, port: 0 });
    fulfillment = await startService(fulfillmentConfig, fulfillmentService(fulfillmentConfig, { tickIntervalMs: 0 }));
    env = (db) => ({ DATABASE_URL: db.url, KAFKA_BROKERS: kafka.brokers.join(','), RESTOCK_TOPIC_PREFIX: kafka.topicPrefix });
  });

  afterAll(async () => {
    await catalog?.close();
    await fulfillment?.close();
    await kafka.close();
    await Promise.all([catalogDb?.drop(), fulfillmentDb?.drop()]);
  });

  describe('arguments and failures', () => {
    it('prints its usage through npx with exit 0', async () => {
      const help = await run(['restock', '--help'], {}, 'npx', ['--no-install']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: restock');
      expect(help.stdout).toContain('Exit codes:');
    });

    it('exits 2 on bad arguments, 4 on an unknown service or topic, 3 when PostgreSQL or Kafka does not answer', async () => {
      expect((await run(['replay', 'sideways'], env(catalogDb))).code).toBe(2);
      const both = await run(['replay', 'topic', TOPICS.orderEvents, '--from-offset', '0', '--from-time', '2026-12-01T00:00:00Z'], env(fulfillmentDb));
      expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('exactly one of --from-offset N or --from-time T')]);
      expect((await run(['replay', 'topic', TOPICS.orderEvents, '--from-time', 'yesterday'], env(fulfillmentDb))).code).toBe(2);
      const unknownService = await run(['replay', 'projections', '--service', 'warehouse'], env(catalogDb));
      expect([unknownService.code, unknownService.stderr]).toEqual([4, expect.stringContaining('unknown service "warehouse"')]);
      const unknownTopic = await run(['dlq', 'list', 'no.such.topic.v1'], env(fulfillmentDb));
      expect([unknownTopic.code, unknownTopic.stderr]).toEqual([4, expect.stringContaining('unknown topic')]);
      expect((await run(['replay', 'topic', 'no.such.topic.v1', '--from-offset', '0'], env(fulfillmentDb))).code).toBe(4);
      const noDatabase = await run(['replay', 'projections', '--service', 'catalog'], { ...env(catalogDb), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
      expect([noDatabase.code, noDatabase.stderr]).toEqual([3, expect.stringContaining('cannot reach')]);
      const noBroker = await run(['dlq', 'list', TOPICS.orderEvents], { ...env(fulfillmentDb), KAFKA_BROKERS: '127.0.0.1:1' });
      expect([noBroker.code, noBroker.stderr]).toEqual([3, expect.stringContaining('cannot reach')]);
    }, 120_000);
  });

  describe('replay projections', () => {
    it('rebuilds the catalog read model with the live checksum while requests keep coming, and swaps only when asked', async () => {
      const skus = Array.from({ length: 25 }, (_, index) => `CLI-${index}-${randomUUID().slice(0, 6)}`);
      await catalogWorkload(catalog.url, skus, CATALOG_REQUESTS / 2);
      const [replayed] = await Promise.all([run(['--json', 'replay', 'projections', '--service', 'catalog'], env(catalogDb)), catalogWorkload(catalog.url, skus, CATALOG_REQUESTS / 2)]);
      expect(replayed.stderr).toBe('');
      expect(replayed.code).toBe(0);
      const { results } = JSON.parse(replayed.stdout) as { results: { projection: string; equal: boolean; eventsRead: number; tables: { live: { rows: number; digest: string }; rebuilt: { rows: number; digest: string } }[] }[] };
      expect(results).toHaveLength(1);
      expect(results[0]!.equal).toBe(true);
      expect(results[0]!.tables[0]!.rebuilt).toEqual(results[0]!.tables[0]!.live);
      expect(results[0]!.tables[0]!.live.rows).toBeGreaterThan(0);

      const swapped = await run(['replay', 'projections', '--service', 'catalog', '--swap'], env(catalogDb));
      expect(swapped.code).toBe(0);
      expect(swapped.stdout).toMatch(/catalog\.products: \d+ events in [\d.]+ s \(\d+ events\/s\)/);
      expect(swapped.stdout).toMatch(/live: \d+ rows [0-9a-f]{32} {2}rebuilt: \d+ rows [0-9a-f]{32} {2}EQUAL/);
      expect(swapped.stdout).toContain('swapped');
      // The service keeps reading and writing the swapped-in table.
      const put = await fetch(`${catalog.url}/products/AFTER-SWAP-${randomUUID().slice(0, 6)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', backorderable: true, leadTimeDays: 3 }) });
      expect(put.status).toBe(200);
      expect((await run(['replay', 'projections', '--service', 'catalog'], env(catalogDb))).code).toBe(0);
    }, 120_000);

    it('exits 1 when the live read model has drifted from the events, and --swap repairs it', async () => {
      const db = new Database(catalogDb.url, 'catalog');
      try {
        await db.query("UPDATE products SET name = 'drifted' WHERE sku IN (SELECT sku FROM products LIMIT 1)");
        const drifted = await run(['replay', 'projections', '--service', 'catalog'], env(catalogDb));
        expect([drifted.code, drifted.stdout, drifted.stderr]).toEqual([1, expect.stringContaining('DIFFERENT'), expect.stringContaining('differs')]);
        expect((await run(['replay', 'projections', '--service', 'catalog', '--swap'], env(catalogDb))).code).toBe(0);
        expect((await run(['replay', 'projections', '--service', 'catalog'], env(catalogDb))).code).toBe(0);
      } finally {
        await db.close();
      }
    }, 120_000);
  });

  describe('replay topic', () => {
    it('has no effect on an already processed range: the dry run counts 0, the real run changes nothing', async () => {
      const sku = `TOPIC-${randomUUID().slice(0, 8)}`;
      const db = new Database(fulfillmentDb.url, 'fulfillment');
      try {
        const product = input('ProductDefined', '2026-11-30T00:00:00Z', { sku, name: sku, backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY', definedAt: '2026-11-30T00:00:00Z' });
        await kafka.publish(TOPICS.catalogEvents, [{ key: sku, value: product }]);
        const orders = Array.from({ length: 12 }, (_, index) => ({
          key: sku,
          value: input('OrderLinePlaced', '2026-12-01T10:00:00Z', { orderId: `O-${index}`, lineId: '1', sku, quantity: 1, placedAt: '2026-12-01T10:00:00Z', customerId: 'C-1' }),
        }));
        // Half as single records, half packed in one record as the services' relays send them: the replay counts and republishes events.
        const packed = packForPartitions(orders.slice(6).map((order) => ({ key: order.key, value: JSON.stringify(order.value), headers: {} })), () => 0);
        expect(packed).toHaveLength(1);
        await kafka.publish(TOPICS.orderEvents, [...orders.slice(0, 6), ...packed]);
        // The catalog service of this suite publishes products too, which this fulfillment consumes: count only this SKU's.
        const ids = orders.map((order) => order.value.id);
        const processed = async () => (await processedAmong(db, 'fulfillment', ids)).size;
        const skuEvents = async () => (await readStream(db, `sku-${sku}`)).length;
        await eventually(async () => ((await processed()) === orders.length ? true : undefined), 30_000);
        // The product comes on another topic and may be taken after the orders: its event on the
        // SKU's stream would then land after eventsBefore is read.
        await eventually(async () => ((await processedAmong(db, 'fulfillment', [product.id])).size === 1 ? true : undefined), 30_000);
        const eventsBefore = await skuEvents();

        const dry = await run(['--json', 'replay', 'topic', TOPICS.orderEvents, '--from-offset', '0', '--dry-run'], env(fulfillmentDb));
        expect(dry.code).toBe(0);
        const counted = JSON.parse(dry.stdout) as { messages: number; services: { service: string; alreadyProcessed: number; wouldHaveEffect: number }[] };
        expect(counted.messages).toBe(orders.length);
        expect(counted.services).toEqual([{ service: 'fulfillment', alreadyProcessed: orders.length, wouldHaveEffect: 0 }]);

        const duplicates = async () => {
          const metrics = await (await fetch(`${fulfillment.url}/metrics`)).text();
          const line = metrics.split('\n').find((entry) => entry.startsWith('restock_inputs_duplicate_total') && entry.includes(`topic="${TOPICS.orderEvents}"`));
          return line ? Number(line.split(' ').pop()) : 0;
        };
        const duplicatesBefore = await duplicates();
        const real = await run(['replay', 'topic', TOPICS.orderEvents, '--from-time', '2000-01-01T00:00:00Z'], env(fulfillmentDb));
        expect(real.code).toBe(0);
        expect(real.stdout).toContain(`republished ${orders.length} messages`);
        expect(real.stdout).toContain('not processed before this replay: 0');
        await eventually(async () => ((await duplicates()) >= duplicatesBefore + orders.length ? true : undefined), 30_000);
        expect(await skuEvents()).toBe(eventsBefore);
      } finally {
        await db.close();
      }
    }, 120_000);
  });

  describe('dead letters', () => {
    it('lists dead letters, redrives a fixed one to exactly one effect, and a still broken one back to the DLQ once', async () => {
      const db = new Database(fulfillmentDb.url, 'fulfillment');
      await db.query('CREATE TABLE IF NOT EXISTS effects (input_id text NOT NULL)');
      const broken = new Set<string>();
      // Stands in for a consumer with a bug that refuses some SKUs; "fixing" it lets them through.
      const handle = async (inputs: readonly ConsumedInput[], tx: PoolClient) => {
        const refused = inputs.filter((entry) => broken.has((entry.event.data as { sku: string }).sku));
        const accepted = inputs.filter((entry) => !refused.includes(entry));
        await tx.query('INSERT INTO effects (input_id) SELECT unnest($1::text[])', [accepted.map((entry) => entry.event.id)]);
        return { rejected: refused.map((entry) => ({ inputId: entry.event.id, reason: { code: 'REJECTED' as const, message: `sku ${(entry.event.data as { sku: string }).sku} is not handled yet` } })) };
      };
      const consumer = new BatchConsumer({ kafka: kafka.kafka, namer: kafka.namer, db, groupId: `cli-dlq-${randomUUID()}`, consumerName: 'fulfillment', topics: [TOPICS.warehouseEvents], handlerFor: () => handle });
      const fixed = `FIXED-${randomUUID().slice(0, 6)}`;
      const still = `STILL-${randomUUID().slice(0, 6)}`;
      broken.add(fixed).add(still);
      const received = (sku: string) => input('GoodsReceived', '2026-12-01T10:00:00Z', { receiptId: randomUUID(), sku, quantity: 1, warehouseId: 'WH-1', receivedAt: '2026-12-01T10:00:00Z' });
      const fixedInput = received(fixed);
      const stillInput = received(still);
      await consumer.start();
      try {
        await kafka.publish(TOPICS.warehouseEvents, [
          { key: fixed, value: fixedInput, headers: { origin: 'cli-test' } },
          { key: still, value: stillInput },
        ]);
        await kafka.readUntil(deadLetterTopic(TOPICS.warehouseEvents), (messages) => messages.length >= 2);
        const listed = await run(['--json', 'dlq', 'list', TOPICS.warehouseEvents], env(fulfillmentDb));
        expect(listed.code).toBe(0);
        const { letters } = JSON.parse(listed.stdout) as { letters: { id: string; eventId: string; code: string; reason: string; key: string; redriveCount: number; redrivenAt: string | null }[] };
        expect(letters.map((letter) => [letter.eventId, letter.code, letter.key, letter.redriveCount, letter.redrivenAt])).toEqual(
          expect.arrayContaining([
            [fixedInput.id, 'REJECTED', fixed, 0, null],
            [stillInput.id, 'REJECTED', still, 0, null],
          ]),
        );
        const text = await run(['dlq', 'list', TOPICS.warehouseEvents], env(fulfillmentDb));
        expect(text.stdout).toContain(`sku ${fixed} is not handled yet`);

        broken.delete(fixed);
        const redriven = await run(['--json', 'dlq', 'redrive', TOPICS.warehouseEvents], env(fulfillmentDb));
        expect(redriven.code).toBe(0);
        expect((JSON.parse(redriven.stdout) as { redriven: string[] }).redriven).toHaveLength(2);
        const effects = async (id: string) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM effects WHERE input_id = $1', [id])).rows[0]!.n);
        await eventually(async () => ((await effects(fixedInput.id)) === 1 ? true : undefined), 30_000);
        const again = await kafka.readUntil(deadLetterTopic(TOPICS.warehouseEvents), (messages) => messages.length >= 3);
        // The DLQ has several partitions, so the returned letter is found by its header, not its place.
        const returned = again.filter((message) => message.headers?.['restock-dlq-redrive-count'] !== undefined);
        expect(returned.map((message) => [message.key?.toString(), message.headers?.['restock-dlq-redrive-count']?.toString()])).toEqual([[still, '1']]);

        // Nothing is sent twice: the redriven letters are recorded, the returned one has used its redrive.
        const second = await run(['--json', 'dlq', 'redrive', TOPICS.warehouseEvents], env(fulfillmentDb));
        expect(second.code).toBe(0);
        const secondResult = JSON.parse(second.stdout) as { redriven: string[]; refused: { refusal: string }[] };
        expect(secondResult.redriven).toEqual([]);
        expect(secondResult.refused.map((entry) => entry.refusal)).toEqual(['REDRIVE_LIMIT']);
        const named = await run(['dlq', 'redrive', TOPICS.warehouseEvents, '--id', stillInput.id], env(fulfillmentDb));
        expect(named.code).toBe(1);
        expect((await run(['dlq', 'redrive', TOPICS.warehouseEvents, '--id', '9:99999'], env(fulfillmentDb))).code).toBe(4);
        await expect(kafka.readUntil(deadLetterTopic(TOPICS.warehouseEvents), (messages) => messages.length > 3, 3_000)).rejects.toThrow(/without meeting/);
        expect(await effects(fixedInput.id)).toBe(1);
        expect(await effects(stillInput.id)).toBe(0);
      } finally {
        await consumer.stop();
        await db.close();
      }
    }, 120_000);
  });

  describe('inputs', () => {
    const DAY_MS = 86_400_000;

    it("reports a service's processed input ids against the window its topics set, and prunes what is past it when asked", async () => {
      const db = new Database(fulfillmentDb.url, 'fulfillment');
      try {
        const old = ['cli-old-1', 'cli-old-2', 'cli-old-3'];
        await db.query(
          `INSERT INTO processed_inputs (consumer, input_id, processed_at)
           SELECT 'fulfillment', id, now() - interval '30 days' FROM unnest($1::text[]) AS id
           UNION ALL SELECT 'fulfillment', 'cli-recent', now() - interval '1 day'`,
          [old],
        );
        const reported = await run(['--json', 'inputs', '--service', 'fulfillment'], env(fulfillmentDb));
        expect(reported.code).toBe(0);
        // The broker's defaults: 7 days of retention and 7 of segment time, plus the day of margin.
        expect(JSON.parse(reported.stdout)).toEqual({
          services: [expect.objectContaining({ service: 'fulfillment', keepMs: 15 * DAY_MS, keptForever: null, pastWindow: 3, pruned: null })],
        });
        expect(await processedAmong(db, 'fulfillment', old)).toEqual(new Set(old));

        const pruned = await run(['inputs', '--service', 'fulfillment', '--prune'], env(fulfillmentDb));
        expect(pruned.code).toBe(0);
        expect(pruned.stdout).toContain('kept 15 d after their latest delivery');
        expect(pruned.stdout).toContain('past that: 0; pruned now: 3');
        expect(await processedAmong(db, 'fulfillment', [...old, 'cli-recent'])).toEqual(new Set(['cli-recent']));

        const forever = await run(['inputs', '--service', 'fulfillment', '--retention', 'forever'], env(fulfillmentDb));
        expect(forever.stdout).toContain('kept forever: the retention is forever');
        const longer = await run(['--json', 'inputs', '--service', 'fulfillment', '--retention', '90d'], env(fulfillmentDb));
        expect(JSON.parse(longer.stdout).services[0].keepMs).toBe(90 * DAY_MS);
      } finally {
        await db.close();
      }
    }, 60_000);

    it('exits 2 on a retention it cannot read and 4 for a service that consumes nothing', async () => {
      const bad = await run(['inputs', '--retention', '12'], env(fulfillmentDb));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--retention must be topics, forever or a number of days');
      const catalogInputs = await run(['inputs', '--service', 'catalog'], env(catalogDb));
      expect(catalogInputs.code).toBe(4);
      expect(catalogInputs.stderr).toContain('consumes no topic');
    }, 60_000);
  });
});
