// The Kafka broker and the PostgreSQL server a chaos run may restart. By default the run owns
// both: a second broker (deploy/local-kafka/kafka.sh on its own ports and state directory) and a
// second PostgreSQL cluster (pg_createcluster), so restarting them never disturbs anybody else's
// tests on the shared ones. KAFKA_BROKERS / DATABASE_URL point the run elsewhere; then it uses
// what ensureKafka / ensurePostgres give and skips the restarts it does not own.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, ensureKafka, ensurePostgres, log, withDatabase } from '../stack/infra.mjs';

const require = createRequire(import.meta.url);

export const CHAOS_KAFKA_PORT = 19092;
export const CHAOS_KAFKA_CONTROLLER_PORT = 19093;
export const CHAOS_KAFKA_STATE_DIR = '/tmp/chaos-kafka';
export const CHAOS_POSTGRES_PORT = 5434;
export const CHAOS_POSTGRES_CLUSTER = 'restock-chaos';
const KAFKA_SCRIPT = join(REPO_ROOT, 'deploy', 'local-kafka', 'kafka.sh');
const POSTGRES_READY_TIMEOUT_MS = 60_000;

function chaosKafkaEnv() {
  return {
    ...process.env,
    RESTOCK_KAFKA_PORT: String(CHAOS_KAFKA_PORT),
    RESTOCK_KAFKA_CONTROLLER_PORT: String(CHAOS_KAFKA_CONTROLLER_PORT),
    RESTOCK_KAFKA_STATE_DIR: CHAOS_KAFKA_STATE_DIR,
  };
}

function runKafkaScript(command) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command], { cwd: REPO_ROOT, env: chaosKafkaEnv(), stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`kafka.sh ${command} exited with ${code}: ${stderr.trim()}`))));
  });
}

/** The broker of the run: its own unless KAFKA_BROKERS names one. `restart` is null when it is not ours. */
export async function chaosKafka() {
  if (process.env.KAFKA_BROKERS) {
    const brokers = await ensureKafka();
    return { brokers, owned: false, restart: null, stop: async () => {}, note: `KAFKA_BROKERS=${brokers} is not ours to restart` };
  }
  await runKafkaScript('start');
  const brokers = `127.0.0.1:${CHAOS_KAFKA_PORT}`;
  log(`chaos: own broker on ${brokers} (state in ${CHAOS_KAFKA_STATE_DIR})`);
  return {
    brokers,
    owned: true,
    note: null,
    restart: async () => {
      await runKafkaScript('stop');
      await runKafkaScript('start');
    },
    stop: () => runKafkaScript('stop'),
  };
}

function postgresVersion() {
  if (!existsSync('/etc/postgresql')) return null;
  const versions = readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a));
  return versions[0] ?? null;
}

function canCreateCluster() {
  return process.getuid?.() === 0 && spawnSync('which', ['pg_createcluster']).status === 0 && postgresVersion() !== null;
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

function clusterExists(version) {
  return existsSync(join('/etc/postgresql', version, CHAOS_POSTGRES_CLUSTER));
}

function clusterOnline(version) {
  const status = spawnSync('pg_ctlcluster', [version, CHAOS_POSTGRES_CLUSTER, 'status'], { encoding: 'utf8' });
  return status.status === 0;
}

async function waitForPostgres(url) {
  const { Client } = require('pg');
  const deadline = Date.now() + POSTGRES_READY_TIMEOUT_MS;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres at ${url} does not answer: ${error.message}`);
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 300));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/**
 * The PostgreSQL server of the run: a cluster of its own (trust auth on 127.0.0.1, durability
 * off because it holds nothing worth keeping) unless DATABASE_URL names one or this machine
 * cannot create clusters. `restart` is null when the server is not ours.
 */
export async function chaosPostgres() {
  if (process.env.DATABASE_URL || !canCreateCluster()) {
    const serverUrl = await ensurePostgres();
    const why = process.env.DATABASE_URL ? 'DATABASE_URL names a server that is not ours' : 'this machine cannot create a PostgreSQL cluster of its own (needs root and pg_createcluster)';
    return { serverUrl, owned: false, restart: null, stop: async () => {}, note: `${why}; the PostgreSQL restart is skipped` };
  }
  const version = postgresVersion();
  if (!clusterExists(version)) {
    run('pg_createcluster', [
      version, CHAOS_POSTGRES_CLUSTER, '-p', String(CHAOS_POSTGRES_PORT),
      '-o', 'fsync=off', '-o', 'synchronous_commit=off', '-o', 'full_page_writes=off', '-o', 'max_connections=400',
      '--', '--auth-host=trust', '--auth-local=trust',
    ]);
    log(`chaos: created PostgreSQL cluster ${version}/${CHAOS_POSTGRES_CLUSTER} on port ${CHAOS_POSTGRES_PORT}`);
  }
  if (!clusterOnline(version)) run('pg_ctlcluster', ['--skip-systemctl-redirect', version, CHAOS_POSTGRES_CLUSTER, 'start']);
  const serverUrl = `postgres://postgres@127.0.0.1:${CHAOS_POSTGRES_PORT}/postgres`;
  await waitForPostgres(serverUrl);
  log(`chaos: own PostgreSQL cluster ${version}/${CHAOS_POSTGRES_CLUSTER} on 127.0.0.1:${CHAOS_POSTGRES_PORT}`);
  return {
    serverUrl,
    owned: true,
    note: null,
    restart: async () => {
      run('pg_ctlcluster', ['--skip-systemctl-redirect', version, CHAOS_POSTGRES_CLUSTER, 'restart']);
      await waitForPostgres(serverUrl);
    },
    stop: async () => {
      run('pg_ctlcluster', ['--skip-systemctl-redirect', version, CHAOS_POSTGRES_CLUSTER, 'stop']);
    },
  };
}

export async function createDatabase(serverUrl, name) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, name);
}

export async function dropDatabase(serverUrl, name) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
