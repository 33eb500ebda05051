/**
 * The event store's two per-batch claims (streams, input ids) run as prepared statements against the
 * same statements sent as text each time, in alternating blocks on one connection; prints the
 * PostgreSQL backend's CPU (from /proc, so Linux and a local server) and wall time for each.
 *
 *   node -r @swc-node/register bench/micro/prepared-statements.ts   # DATABASE_URL, default the local server
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { CLAIM_INPUTS, CLAIM_STREAMS, EVENT_STORE_MIGRATIONS, runMigrations } from '@restock/event-store';

const SCHEMA = 'bench_prepared';
const KEYS_PER_BATCH = 200;
const BATCHES_PER_BLOCK = 100;
const BLOCKS = 10;

/** User plus system CPU of a process, in milliseconds (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: url });
  await client.connect();
  // The event store's own tables and indexes, as every service's schema has them.
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await runMigrations(url, SCHEMA, EVENT_STORE_MIGRATIONS);
  await client.query(`SET search_path = ${SCHEMA}`);
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const versions = new Map<string, number>();
  let inputs = 0;
  const batch = async (prepare: boolean): Promise<void> => {
    const ids = [...new Set(Array.from({ length: KEYS_PER_BATCH }, () => `s-${Math.floor(Math.random() * 20_000)}`))];
    const expected = ids.map((id) => versions.get(id) ?? 0);
    for (const id of ids) versions.set(id, (versions.get(id) ?? 0) + 1);
    const streams = [ids, expected, expected.map((version) => version + 1)];
    const inputIds = ['bench', Array.from({ length: KEYS_PER_BATCH }, () => `in-${inputs++}`)];
    await client.query('BEGIN');
    if (prepare) {
      await client.query({ name: CLAIM_STREAMS.name, text: CLAIM_STREAMS.text, values: streams });
      await client.query({ name: CLAIM_INPUTS.name, text: CLAIM_INPUTS.text, values: inputIds });
    } else {
      await client.query(CLAIM_STREAMS.text, streams);
      await client.query(CLAIM_INPUTS.text, inputIds);
    }
    await client.query('COMMIT');
  };
  for (let index = 0; index < BATCHES_PER_BLOCK; index += 1) await batch(index % 2 === 0);
  const totals = { prepared: { cpuMs: 0, wallMs: 0 }, text: { cpuMs: 0, wallMs: 0 } };
  for (let block = 0; block < BLOCKS; block += 1) {
    for (const prepare of [true, false]) {
      const [cpuBefore, wallBefore] = [cpuMs(pid), performance.now()];
      for (let index = 0; index < BATCHES_PER_BLOCK; index += 1) await batch(prepare);
      const total = prepare ? totals.prepared : totals.text;
      total.cpuMs += cpuMs(pid) - cpuBefore;
      total.wallMs += performance.now() - wallBefore;
    }
  }
  await client.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await client.end();
  const batches = BLOCKS * BATCHES_PER_BLOCK;
  for (const [way, total] of Object.entries(totals)) {
    console.log(`${way}: ${batches} batches, PostgreSQL CPU ${total.cpuMs} ms (${(total.cpuMs / batches).toFixed(2)} ms a batch), wall ${total.wallMs.toFixed(0)} ms`);
  }
  console.log(`prepared / text, PostgreSQL CPU: ${(totals.prepared.cpuMs / totals.text.cpuMs).toFixed(3)}`);
}

void main();
