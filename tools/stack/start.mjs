// `npm start`: brings up PostgreSQL, Kafka and the topics, then every service that exists, and
// keeps them running until Ctrl-C.
//
//   npm start -- --services orders,fulfillment   start a subset
//   npm start -- --instances 3                   three instances per service, ports +100 each
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  createTopics,
  ensureDatabase,
  ensureKafka,
  ensurePostgres,
  loadTopicSpecs,
  log,
  redact,
  seconds,
  stopEmbeddedPostgres,
  stopKafka,
} from './infra.mjs';
import { SERVICES, portEnvName, serviceExists, servicePort, startService, stopAll, waitReady } from './services.mjs';

const DATABASE_NAME = 'restock';
const INSTANCES_MAX = 9;
const OPERATOR_TOKEN_BYTES = 24;
const KEEP_ALIVE_MS = 2 ** 30;

const USAGE = `usage: npm start -- [--services ${SERVICES.map((s) => s.name).join(',')}] [--instances N]`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      services: { type: 'string' },
      instances: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > INSTANCES_MAX) {
    throw new Error(`--instances must be an integer from 1 to ${INSTANCES_MAX}`);
  }
  const known = SERVICES.map((service) => service.name);
  const requested = values.services ? values.services.split(',').map((name) => name.trim()) : known;
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown service(s) ${unknown.join(', ')}\n${USAGE}`);
  return { requested, instances };
}

function operatorToken() {
  if (process.env.RESTOCK_OPERATOR_TOKEN) return { token: process.env.RESTOCK_OPERATOR_TOKEN, generated: false };
  if (process.env.NODE_ENV === 'production') {
    throw new Error('RESTOCK_OPERATOR_TOKEN must be set when NODE_ENV=production');
  }
  return { token: randomBytes(OPERATOR_TOKEN_BYTES).toString('base64url'), generated: true };
}

// DATABASE_URL from the environment is used exactly as given; otherwise the services share the
// `restock` database on the server that ensurePostgres found or started.
async function serviceDatabaseUrl() {
  const given = process.env.DATABASE_URL;
  const serverUrl = await ensurePostgres();
  return given ? given : ensureDatabase(serverUrl, DATABASE_NAME);
}

function printTable(handles) {
  const rows = handles.map((handle) => [handle.label, handle.url, `${handle.url}/health/ready`, String(handle.child.pid)]);
  const header = ['service', 'url', 'ready', 'pid'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  console.log(`\n${line(header)}\n${line(widths.map((width) => '-'.repeat(width)))}`);
  for (const row of rows) console.log(line(row));
  console.log('');
}

function startServices(requested, instances, env) {
  const missing = requested.filter((name) => !serviceExists(name));
  if (missing.length > 0) log(`services: not built yet (no apps/<name>/src/main.ts): ${missing.join(', ')}`);
  const present = requested.filter(serviceExists);
  return present.flatMap((name) =>
    Array.from({ length: instances }, (_, instance) => {
      const port = servicePort(name, instance);
      log(`services: starting ${name}${instances > 1 ? ` #${instance + 1}` : ''} on port ${port} (${portEnvName(name)})`);
      return startService({ name, instance, port, env });
    }),
  );
}

async function main() {
  const startedAt = Date.now();
  let options;
  try {
    options = parseOptions();
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  const { requested, instances } = options;
  // Nothing else may hold the event loop open when no service runs; the infrastructure should
  // still stay up until Ctrl-C.
  setInterval(() => {}, KEEP_ALIVE_MS);
  const handles = [];
  let stopping = false;
  const shutdown = async (code) => {
    if (stopping) return;
    stopping = true;
    log('stopping: services first, then the infrastructure this script started');
    await stopAll(handles);
    await stopKafka();
    await stopEmbeddedPostgres();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const databaseUrl = await serviceDatabaseUrl();
    const brokers = await ensureKafka();
    await createTopics(brokers, loadTopicSpecs());
    const { token, generated } = operatorToken();
    if (generated) log(`operator token (development only): RESTOCK_OPERATOR_TOKEN=${token}`);

    const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers, RESTOCK_OPERATOR_TOKEN: token, NODE_ENV: 'development' };
    handles.push(...startServices(requested, instances, env));
    for (const handle of handles) {
      handle.exited.then((code) => {
        if (!stopping) log(`services: ${handle.label} exited (${code}); the others keep running`);
      });
    }
    await Promise.all(handles.map((handle) => waitReady(handle)));

    log(`infrastructure: DATABASE_URL=${redact(databaseUrl)} KAFKA_BROKERS=${brokers}`);
    if (handles.length === 0) {
      log('services: none exist yet; the infrastructure stays up until Ctrl-C');
    } else {
      printTable(handles);
    }
    log(`ready after ${seconds(startedAt)}; Ctrl-C stops everything`);
  } catch (error) {
    log(`start failed: ${error.message}`);
    await shutdown(1);
  }
}

await main();
