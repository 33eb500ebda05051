import { Module } from '@nestjs/common';
import { Database, EVENT_STORE_MIGRATIONS } from '@restock/event-store';
import { createTestDatabase, lateProxy, LateProxy, TestDatabase, testKafka, TestKafka } from '@restock/testing';
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

  it('fails at once on a database error that waiting cannot fix', async () => {
    const url = new URL(testDb.url);
    url.pathname = '/restock_no_such_database';
    const config = loadServiceConfig('catalog', { ...process.env, RESTOCK_OPERATOR_TOKEN: '' }, { databaseUrl: url.toString(), topicPrefix: kafka.topicPrefix, port: 0 });
    @Module({ imports: [PlatformModule.forRoot(config)] })
    class BareModule {}
    await expect(startService(config, { module: BareModule, migrations: [...EVENT_STORE_MIGRATIONS] })).rejects.toThrow(/does not exist/);
  }, 30_000);
});
