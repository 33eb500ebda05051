import { Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { appendToStreams, CreateOperatorTables1764100000000, createTablesLike, Database, EVENT_STORE_MIGRATIONS, Projection, readStream, tableChecksumSql } from '@restock/event-store';
import { createTestDatabase, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { loadServiceConfig, ServiceConfig } from '../config';
import { RunningService, startService } from '../bootstrap';
import { PlatformModule } from '../platform.module';
import { OPERATOR_AUDIT_STREAM } from './operator-audit';
import { OperatorModule } from './operator.module';
import { tokenFingerprint } from './operator.guard';

const TOKEN = `operator-${randomUUID()}`;

class CreateNotes1764000000999 implements MigrationInterface {
  name = 'CreateNotes1764000000999';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE TABLE notes (id text PRIMARY KEY, body text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE notes');
  }
}

/** A toy read model: one row per `note-*` stream, its last body. */
const NOTES: Projection = {
  name: 'notes',
  service: 'catalog',
  tables: ['notes'],
  createShadow: (tx, suffix) => createTablesLike(tx, ['notes'], suffix),
  apply: async (tx, events, suffix) => {
    for (const event of events.filter((stored) => stored.streamId.startsWith('note-'))) {
      await tx.query(`INSERT INTO notes${suffix} (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body`, [event.streamId, (event.data as { body: string }).body]);
    }
  },
  checksumSql: (table, suffix) => tableChecksumSql(table + suffix, ['id', 'body']),
};

function toyService(config: ServiceConfig) {
  @Module({ imports: [PlatformModule.forRoot(config), OperatorModule.forRoot(config, { service: 'catalog', projections: [NOTES], consumedTopics: ['toy.inputs.v1'] })] })
  class ToyModule {}
  return { module: ToyModule, migrations: [...EVENT_STORE_MIGRATIONS, CreateNotes1764000000999, CreateOperatorTables1764100000000] };
}

describe('operator endpoints', () => {
  let testDb: TestDatabase;
  let kafka: TestKafka;
  let db: Database;
  const services: RunningService[] = [];

  async function start(env: Record<string, string>, overrides: Partial<ServiceConfig> = {}): Promise<RunningService> {
    const config = loadServiceConfig('catalog', { ...process.env, RESTOCK_OPERATOR_TOKEN: '', ...env }, { databaseUrl: testDb.url, topicPrefix: kafka.topicPrefix, port: 0, ...overrides });
    const service = await startService(config, toyService(config));
    services.push(service);
    return service;
  }

  beforeAll(async () => {
    testDb = await createTestDatabase('operator');
    kafka = testKafka('operator');
    db = new Database(testDb.url, 'catalog');
  });

  afterAll(async () => {
    for (const service of services) await service.close();
    await db?.close();
    await kafka.close();
    await testDb.drop();
  });

  function replay(service: RunningService, headers: Record<string, string>, body: unknown = { reason: 'nightly check' }) {
    return fetch(`${service.url}/operator/replay/projections`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  }

  it('answers 401 without a bearer token, 403 with a wrong one, 400 without a reason', async () => {
    const service = await start({ RESTOCK_OPERATOR_TOKEN: TOKEN });
    const missing = await replay(service, {});
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'OPERATOR.TOKEN_MISSING' });
    expect((await replay(service, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    const wrong = await replay(service, { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ code: 'OPERATOR.TOKEN_REJECTED' });
    expect((await replay(service, { authorization: `Bearer ${TOKEN}` }, {})).status).toBe(400);
    expect((await fetch(`${service.url}/operator/dlq/not.consumed.v1`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it('turns the operator endpoints off when the service has no token', async () => {
    const service = await start({});
    const response = await replay(service, { authorization: 'Bearer anything' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ message: 'operator endpoints are disabled' });
  });

  it('answers 429 beyond the rate limit, whatever the token', async () => {
    const service = await start({ RESTOCK_OPERATOR_TOKEN: TOKEN, RESTOCK_OPERATOR_RATE_LIMIT: '3' });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) statuses.push((await replay(service, { authorization: `Bearer guess-${attempt}` })).status);
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
  });

  it('rebuilds the read models and records the action as an audit event and row, with a fingerprint and never the token', async () => {
    const service = await start({ RESTOCK_OPERATOR_TOKEN: TOKEN });
    await db.transaction(async (tx) => {
      await appendToStreams(tx, [{ streamId: 'note-1', expectedVersion: 0, events: [{ id: randomUUID(), type: 'NoteWritten', data: { body: 'hello' } }] }]);
      await tx.query("INSERT INTO notes (id, body) VALUES ('note-1', 'hello')");
    });
    const response = await replay(service, { authorization: `Bearer ${TOKEN}` }, { reason: 'after the incident' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'EQUAL', results: [{ projection: 'notes', equal: true, tables: [{ table: 'notes', live: { rows: 1 } }] }] });

    await db.query("UPDATE notes SET body = 'drifted' WHERE id = 'note-1'");
    const drifted = await replay(service, { authorization: `Bearer ${TOKEN}` }, { reason: 'after the incident' });
    expect(await drifted.json()).toMatchObject({ outcome: 'DIFFERS' });

    const rows = await db.query<{ action: string; reason: string; token_fingerprint: string; outcome: string }>(
      "SELECT action, reason, token_fingerprint, outcome FROM operator_audit WHERE action = 'replay.projections' ORDER BY recorded_at",
    );
    expect(rows.rows).toEqual([
      { action: 'replay.projections', reason: 'after the incident', token_fingerprint: tokenFingerprint(TOKEN), outcome: 'EQUAL' },
      { action: 'replay.projections', reason: 'after the incident', token_fingerprint: tokenFingerprint(TOKEN), outcome: 'DIFFERS' },
    ]);
    const events = await readStream(db, OPERATOR_AUDIT_STREAM);
    expect(events.map((event) => [event.type, (event.data as { outcome: string }).outcome])).toEqual([
      ['OperatorActionRecorded', 'EQUAL'],
      ['OperatorActionRecorded', 'DIFFERS'],
    ]);
    const stored = JSON.stringify([rows.rows, events.map((event) => event.data)]);
    expect(stored).not.toContain(TOKEN);
  });
});
