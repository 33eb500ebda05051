import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TOPICS } from '@restock/contracts';
import { Database, EVENT_STORE_MIGRATIONS, processedAmong } from '@restock/event-store';
import { HandlerOutcome } from '@restock/messaging';
import { createTestDatabase, eventually, lateProxy, LateProxy, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { RunningService, startService } from './bootstrap';
import { loadServiceConfig } from './config';
import { PlatformModule } from './platform.module';
import { ShutdownTasks } from './shutdown-tasks';

describe('service start', () => {
  let testDb: TestDatabase;
  let kafka: TestKafka;
  let proxy: LateProxy;
  let service: RunningService | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase('bootstrap');
    kafka = testKafka('bootstrap');
  });

  afterAll(async () => {
    await service?.close();
    await proxy?.close();
    await kafka.close();
    await testDb.drop();
  });

  it('waits for a PostgreSQL that answers only later, then migrates and serves', async () => {
    const url = new URL(testDb.url);
    proxy = await lateProxy({ host: url.hostname, port: Number(url.port || 5432) }, 3_000);
    url.port = String(proxy.port);
    const config = loadServiceConfig('catalog', { ...process.env, RESTOCK_OPERATOR_TOKEN: '' }, { databaseUrl: url.toString(), topicPrefix: kafka.topicPrefix, port: 0 });
    @Module({ imports: [PlatformModule.forRoot(config)] })
    class BareModule {}
    const startedAt = Date.now();
    service = await startService(config, { module: BareModule, migrations: [...EVENT_STORE_MIGRATIONS] });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_500);
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
  }, 60_000);

  it('closes the pool only after the relay and the shutdown tasks have finished with it', async () => {
    const config = loadServiceConfig('catalog', { ...process.env, RESTOCK_OPERATOR_TOKEN: '' }, { databaseUrl: testDb.url, topicPrefix: kafka.topicPrefix, port: 0 });
    @Module({ imports: [PlatformModule.forRoot(config)] })
    class BareModule {}
    const stopping = await startService(config, { module: BareModule, migrations: [...EVENT_STORE_MIGRATIONS] });
    const db = stopping.app.get(Database);
    let lastQuery: Promise<unknown> = Promise.resolve();
    // A task still using the pool a moment into the shutdown, as the relay does when it records what it published.
    stopping.app.get(ShutdownTasks).add(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      lastQuery = db.query('SELECT 1 AS still_open');
      await lastQuery;
    });
    await stopping.close();
    await expect(lastQuery).resolves.toMatchObject({ rows: [{ still_open: 1 }] });
    await expect(db.query('SELECT 1')).rejects.toThrow();
  }, 30_000);

  it("forgets, on its own, the processed input ids that the consumed topics can no longer deliver, and counts them", async () => {
    const config = loadServiceConfig(
      'catalog',
      { ...process.env, RESTOCK_OPERATOR_TOKEN: '', RESTOCK_PROCESSED_INPUTS_PRUNE_INTERVAL_MS: '1000' },
      { databaseUrl: testDb.url, topicPrefix: kafka.topicPrefix, port: 0, schema: 'pruning' },
    );
    @Controller()
    class WarehouseEvents {
      @EventPattern(TOPICS.warehouseEvents)
      handle(): HandlerOutcome {
        return {};
      }
    }
    @Module({ imports: [PlatformModule.forRoot(config)], controllers: [WarehouseEvents] })
    class ConsumingModule {}
    const running = await startService(config, { module: ConsumingModule, migrations: [...EVENT_STORE_MIGRATIONS], consumer: { groupId: 'restock.pruning-test' } });
    const owner = new Database(testDb.url, 'pruning');
    try {
      // The broker's defaults (retention.ms and segment.ms of 7 days each) keep ids 15 days.
      await owner.query(
        `INSERT INTO processed_inputs (consumer, input_id, processed_at) VALUES ('catalog', 'old', now() - interval '16 days'), ('catalog', 'recent', now() - interval '14 days')`,
      );
      await eventually(async () => ((await processedAmong(owner, 'catalog', ['old'])).size === 0 ? true : undefined));
      expect([...(await processedAmong(owner, 'catalog', ['old', 'recent']))]).toEqual(['recent']);
      const metrics = await (await fetch(`${running.url}/metrics`)).text();
      expect(metrics).toMatch(/^restock_processed_inputs_pruned_total\{service="catalog"\} 1$/m);
    } finally {
      await owner.close();
      await running.close();
    }
  }, 60_000);

  it('fails at once on a database error that waiting cannot fix', async () => {
    const url = new URL(testDb.url);
    url.pathname = '/restock_no_such_database';
    const config = loadServiceConfig('catalog', { ...process.env, RESTOCK_OPERATOR_TOKEN: '' }, { databaseUrl: url.toString(), topicPrefix: kafka.topicPrefix, port: 0 });
    @Module({ imports: [PlatformModule.forRoot(config)] })
    class BareModule {}
    await expect(startService(config, { module: BareModule, migrations: [...EVENT_STORE_MIGRATIONS] })).rejects.toThrow(/does not exist/);
  }, 30_000);
});
