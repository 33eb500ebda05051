import { Client } from 'pg';
import { EVENT_STORE_MIGRATIONS, runMigrations, runtimeRoleOf } from '@restock/event-store';
import { catalogService } from '@restock/catalog-adapters';
import { createTestDatabase, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { loadServiceConfig, RunningService, startService } from '@restock/platform';

describe('hostile input and least privilege', () => {
  let testDb: TestDatabase;
  let kafka: TestKafka;
  let service: RunningService;

  beforeAll(async () => {
    testDb = await createTestDatabase('hostile');
    kafka = testKafka('hostile');
    const config = loadServiceConfig('catalog', process.env, { databaseUrl: testDb.url, topicPrefix: kafka.topicPrefix, port: 0, httpBodyBytesMax: 64 * 1024 });
    service = await startService(config, catalogService(config));
    // Another service's schema in the same database, to prove the catalog role cannot reach it.
    await runMigrations(testDb.url, 'fulfillment', [...EVENT_STORE_MIGRATIONS]);
  });

  afterAll(async () => {
    await service?.close();
    await kafka.close();
    await testDb.drop();
  });

  async function asRuntimeRole<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: testDb.url, options: `-c role=${runtimeRoleOf('catalog')} -c search_path=catalog` });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  it('answers 413 for a body over the limit and 400 for a body that is not JSON', async () => {
    const huge = await fetch(`${service.url}/products/SKU-BIG`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(100 * 1024), backorderable: true }),
    });
    expect(huge.status).toBe(413);
    const broken = await fetch(`${service.url}/products/SKU-BIG`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(broken.status).toBe(400);
  });

  it('answers 400 naming an unknown field', async () => {
    const response = await fetch(`${service.url}/products/SKU-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Shoe', backorderable: true, isAdmin: true }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: { field: string }[] }).fields.map((field) => field.field)).toEqual(['isAdmin']);
  });

  it('runs as a role for which the event table is append-only', async () => {
    const defined = await fetch(`${service.url}/products/SKU-ROLE`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Shoe', backorderable: true, leadTimeDays: 7 }),
    });
    expect(defined.status).toBe(200);
    await asRuntimeRole(async (client) => {
      expect(Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n)).toBeGreaterThan(0);
      await expect(client.query("UPDATE events SET type = 'Forged'")).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('DELETE FROM events')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('TRUNCATE events')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('gives the runtime role no rights on another service schema, and no DDL on its own', async () => {
    await asRuntimeRole(async (client) => {
      await expect(client.query('SELECT count(*) FROM fulfillment.events')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('CREATE TABLE catalog.smuggled (id int)')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('DROP TABLE catalog.products')).rejects.toMatchObject({ code: '42501' });
    });
  });
});
