// `npm run chaos`: the whole stack, two instances of every service, a seeded random workload on
// the input topics, and faults while it runs (kill -9, broker and PostgreSQL restarts, duplicate
// and poison inputs, a rolling SIGTERM restart). When everything has drained, the invariants are
// checked against an independent model of what was sent. One summary line; exit 1 on a violation.
//
//   npm run chaos -- --seed 42 --orders 1000 --skus 50 --receipts 200 --kills 5 --broker-restarts 1 --pg-restarts 0
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError } from 'commander';
import { log } from '../stack/infra.mjs';
import { chaosKafka, chaosPostgres, createDatabase, dropDatabase } from './chaos-infra.mjs';
import { checkInvariants } from './checks.mjs';
import { Fleet, GRACEFUL_EXIT_MS_MAX } from './fleet.mjs';
import { chaosKafkaClient, consumerLag, createTopics, groupMembers, upstreamProducer } from './kafka-io.mjs';
import { seededRandom } from './random.mjs';
import { planProducts, Workload } from './workload.mjs';

const require = createRequire(import.meta.url);
const TICK_MS = 100;
const DRAIN_POLL_MS = 2_000;
const DRAIN_STABLE_POLLS = 2;
/** After the workload, the warehouse ships at most this many of the lines it saw allocated late. */
const LATE_SHIPMENTS_MAX = 60;
const OBSERVER_QUIET_MS = 2_000;
const OBSERVER_QUIET_TIMEOUT_MS = 30_000;
const KILL_RESTART_DELAY_MS = [500, 6_000];
const FAULT_WINDOW = [0.1, 0.85];
const SCHEMAS = ['catalog', 'inventory', 'orders', 'supplier_receipts', 'fulfillment'];
const SERVICE_GROUPS = { inventory: 'restock.inventory', orders: 'restock.orders', 'supplier-receipts': 'restock.supplier-receipts', fulfillment: 'restock.fulfillment' };

function integer(name, min) {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return parsed;
  };
}

function parseOptions(argv) {
  const program = new Command('chaos')
    .description('Run the stack with two instances per service under a random workload and faults, then check the invariants.')
    .option('--seed <n>', 'seed of the workload and fault choices (default: random)', integer('--seed', 0))
    .option('--orders <n>', 'orders to place', integer('--orders', 1), 10_000)
    .option('--skus <n>', 'SKUs (80% of demand on 20% of them)', integer('--skus', 2), 200)
    .option('--receipts <n>', 'goods receipts', integer('--receipts', 1), 2_000)
    .option('--kills <n>', 'kill -9 of random service processes', integer('--kills', 0), 20)
    .option('--broker-restarts <n>', 'Kafka broker restarts (only of a broker this run started)', integer('--broker-restarts', 0), 2)
    .option('--pg-restarts <n>', 'PostgreSQL restarts (only of a cluster this run started)', integer('--pg-restarts', 0), 1)
    .option('--rate <n>', 'planned inputs per second', integer('--rate', 1), 120)
    .option('--no-rolling-restart', 'skip the rolling SIGTERM restart of every service')
    .option('--drain-timeout <s>', 'seconds to wait for lag 0 after the workload', integer('--drain-timeout', 1), 900)
    .option('--keep', 'keep the database and topics after a passing run')
    .option('--stop-infra', 'stop the broker and the PostgreSQL cluster of the run when done')
    .parse(argv);
  const options = program.opts();
  options.seed ??= randomBytes(4).readUInt32BE(0) % 1_000_000;
  return options;
}

const sleep = (ms) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

async function defineProducts(catalogUrl, products) {
  await Promise.all(
    products.map(async ({ sku, policy }) => {
      for (;;) {
        const response = await fetch(`${catalogUrl}/products/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(policy) }).catch(() => null);
        if (response?.ok) return;
        await sleep(500);
      }
    }),
  );
}

async function untilSagaKnows(fulfillmentUrl, products) {
  for (const { sku } of products) {
    while ((await fetch(`${fulfillmentUrl}/availability/${sku}?quantity=1`).catch(() => null))?.status !== 200) await sleep(250);
  }
}

/** Watches the customer updates as a warehouse would, to ship lines once they are allocated. */
async function startObserver(kafka, prefix, workload) {
  const consumer = kafka.consumer({ groupId: `${prefix}chaos.observer`, maxWaitTimeInMs: 200, retry: { retries: 30 } });
  const observer = { consumer, lastSeenAt: Date.now() };
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}restock.customer-updates.v1`, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      observer.lastSeenAt = Date.now();
      const update = JSON.parse(message.value.toString('utf8'));
      if (update.type === 'OrderAcknowledged') {
        for (const line of update.data.lines) if (line.status === 'ALLOCATED') workload.allocated(update.data.orderId, line.lineId, line.allocatedQuantity);
      } else if (update.type === 'OrderLineAllocated' && update.data.remainingQuantity === 0) {
        workload.allocated(update.data.orderId, update.data.lineId, update.data.allocatedQuantity);
      }
    },
  });
  return observer;
}

/** Waits until the observer has read nothing new for a while: after a drain, it has read every update. */
async function observerCaughtUp(observer) {
  const deadline = Date.now() + OBSERVER_QUIET_TIMEOUT_MS;
  while (Date.now() - observer.lastSeenAt < OBSERVER_QUIET_MS && Date.now() < deadline) await sleep(OBSERVER_QUIET_MS / 4);
}

async function drive(workload, producer, rate, progress) {
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1_000));
  let sent = 0;
  while (!workload.done()) {
    const startedAt = Date.now();
    const messages = [];
    for (let step = 0; step < perTick && !workload.done(); step += 1) messages.push(...workload.next(Date.now()));
    await producer.send(messages);
    sent += messages.length;
    progress.sent = sent;
    await sleep(Math.max(0, TICK_MS - (Date.now() - startedAt)));
  }
  return sent;
}

function faultPlan(rng, options, infra, expectedMs) {
  const at = () => Math.round(expectedMs * (FAULT_WINDOW[0] + rng.next() * (FAULT_WINDOW[1] - FAULT_WINDOW[0])));
  const faults = [];
  for (let index = 0; index < options.kills; index += 1) faults.push({ kind: 'kill', at: at() });
  const spread = (count, kind) => {
    for (let index = 0; index < count; index += 1) faults.push({ kind, at: Math.round(expectedMs * (FAULT_WINDOW[0] + ((index + 0.5) / count) * (FAULT_WINDOW[1] - FAULT_WINDOW[0]))) });
  };
  if (infra.kafka.restart) spread(options.brokerRestarts, 'broker');
  if (infra.postgres.restart) spread(options.pgRestarts, 'postgres');
  return faults.sort((a, b) => a.at - b.at);
}

/** Runs the faults at their planned times; answers when the last one is over (everything back up). */
async function injectFaults({ rng, plan, fleet, infra, startedAt, tally }) {
  const pending = [];
  for (const fault of plan) {
    await sleep(Math.max(0, startedAt + fault.at - Date.now()));
    if (fault.kind === 'kill') {
      // Every planned kill happens: when every process is still starting, wait for one to be up.
      let member = rng.pick(fleet.running().filter((candidate) => !candidate.starting));
      while (!member) {
        await sleep(250);
        member = rng.pick(fleet.running().filter((candidate) => !candidate.starting));
      }
      log(`chaos: kill -9 ${member.label}`);
      tally.kills += 1;
      pending.push(fleet.killAndRestart(member, rng.int(...KILL_RESTART_DELAY_MS)));
    } else if (fault.kind === 'broker') {
      log('chaos: restarting the Kafka broker');
      const began = Date.now();
      await infra.kafka.restart();
      tally.brokerRestarts += 1;
      log(`chaos: broker back after ${((Date.now() - began) / 1000).toFixed(1)} s`);
    } else {
      log('chaos: restarting PostgreSQL');
      const began = Date.now();
      await infra.postgres.restart();
      tally.pgRestarts += 1;
      log(`chaos: PostgreSQL back after ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
  }
  await Promise.all(pending);
}

/** Every instance in turn gets SIGTERM; it must finish its batch, leave its group and exit within 10 s. */
async function rollingRestart(fleet, kafka, prefix, findings) {
  const exits = [];
  const byService = new Map();
  for (const member of fleet.members) byService.set(member.name, [...(byService.get(member.name) ?? []), member]);
  await Promise.all(
    [...byService.entries()].map(async ([name, members]) => {
      for (const member of members) {
        if (!member.handle || member.handle.exitCode !== undefined) continue;
        const { exitMs, exitCode } = await fleet.terminate(member);
        exits.push(exitMs);
        if (exitMs > GRACEFUL_EXIT_MS_MAX) findings.push(`${member.label} took ${exitMs} ms to exit after SIGTERM`);
        if (exitCode !== 0 && exitCode !== 'SIGTERM') findings.push(`${member.label} exited with ${exitCode} after SIGTERM`);
        const group = SERVICE_GROUPS[name];
        if (group) {
          const members = await groupMembers(kafka, `${prefix}${group}`).catch(() => []);
          if (members.includes(member.instanceId)) findings.push(`${member.label} is still a member of ${group} after it exited`);
        }
        await fleet.restart(member);
      }
    }),
  );
  return exits;
}

async function outboxDepth(pool) {
  let total = 0;
  for (const schema of SCHEMAS) total += (await pool.query(`SELECT count(*)::int AS n FROM ${schema}.outbox`)).rows[0].n;
  return total;
}

async function waitForDrain(kafka, prefix, pool, timeoutS) {
  const deadline = Date.now() + timeoutS * 1_000;
  let stable = 0;
  let last = null;
  while (Date.now() < deadline) {
    try {
      const outbox = await outboxDepth(pool);
      const lag = outbox === 0 ? await consumerLag(kafka, prefix) : { total: -1, byGroup: {} };
      last = { outbox, lag };
      stable = outbox === 0 && lag.total === 0 ? stable + 1 : 0;
      if (stable >= DRAIN_STABLE_POLLS) return { drained: true, at: Date.now(), last };
    } catch (error) {
      last = { error: error.message };
    }
    await sleep(DRAIN_POLL_MS);
  }
  return { drained: false, at: Date.now(), last };
}

function summaryLine(options, tally, workload, result) {
  const { findings } = result;
  const poison = workload.poison.length;
  const figures = [
    `oversell=${findings.count('oversell')}`,
    `lost=${findings.count('lost')}`,
    `dup_alloc=${findings.count('dup_alloc')}`,
    `fifo_violations=${findings.count('fifo')}`,
    `dlq=${result.poisonFound}/${poison}`,
    `eta_consistent=${findings.count('eta') === 0 ? 'yes' : 'no'}`,
    `replay_equal=${findings.count('replay') === 0 ? 'yes' : 'no'}`,
    `lag_recovery_s=${result.lagRecoveryS}`,
  ];
  const inputs = `seed=${options.seed} orders=${workload.sent.orders} receipts=${workload.sent.receipts} kills=${tally.kills} broker_restarts=${tally.brokerRestarts} pg_restarts=${tally.pgRestarts} dup=${workload.duplicates.length} poison=${poison}`;
  return `${inputs} → ${figures.join(' ')}`;
}

/** The consuming services' schemas and the consumer names their ids are recorded under. */
const CONSUMING_SCHEMAS = [
  ['orders', 'orders'],
  ['inventory', 'inventory'],
  ['fulfillment', 'fulfillment'],
  ['supplier_receipts', 'supplier-receipts'],
];
const STALE_IDS_PER_CONSUMER = 1_000;

/**
 * Ids processed 30 days ago, which no topic of this broker's (7-day retention and segments by
 * default) can deliver again: the services' pruners must forget them during the run, kills and
 * restarts included, while the checks above show every real input still processed exactly once.
 */
async function seedStaleInputIds(pool) {
  for (const [schema, consumer] of CONSUMING_SCHEMAS) {
    await pool.query(
      `INSERT INTO ${schema}.processed_inputs (consumer, input_id, processed_at)
       SELECT $1, 'chaos-stale-' || n, now() - interval '30 days' FROM generate_series(1, $2::int) AS n`,
      [consumer, STALE_IDS_PER_CONSUMER],
    );
  }
}

async function staleInputIdsLeft(pool) {
  let left = 0;
  for (const [schema] of CONSUMING_SCHEMAS) {
    const result = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.processed_inputs WHERE input_id LIKE 'chaos-stale-%'`);
    left += result.rows[0].n;
  }
  return left;
}

async function main() {
  const options = parseOptions(process.argv);
  const runStartedAt = Date.now();
  const rng = seededRandom(options.seed);
  const run = randomBytes(3).toString('hex');
  const prefix = `chaos${options.seed}-${run}.`;
  const databaseName = `restock_chaos_${options.seed}_${run}`;
  const infra = { kafka: await chaosKafka(), postgres: await chaosPostgres() };
  for (const note of [infra.kafka.note, infra.postgres.note]) if (note) log(`chaos: ${note}`);
  if (!infra.kafka.restart && options.brokerRestarts > 0) log(`chaos: skipping ${options.brokerRestarts} broker restart(s): ${infra.kafka.note}`);
  if (!infra.postgres.restart && options.pgRestarts > 0) log(`chaos: skipping ${options.pgRestarts} PostgreSQL restart(s): ${infra.postgres.note}`);
  const databaseUrl = await createDatabase(infra.postgres.serverUrl, databaseName);
  const kafka = chaosKafkaClient(infra.kafka.brokers, `chaos-${run}`);
  await createTopics(kafka, prefix);
  const env = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: infra.kafka.brokers,
    RESTOCK_TOPIC_PREFIX: prefix,
    FULFILLMENT_TICK_INTERVAL_MS: '5000',
    // Pruning of processed input ids runs all through the faults (checked below with stale ids).
    RESTOCK_PROCESSED_INPUTS_PRUNE_INTERVAL_MS: '5000',
    LOG_LEVEL: 'warn',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
  const fleet = new Fleet({ env, logDir: join(tmpdir(), `restock-chaos-${options.seed}-${run}`) });
  await fleet.prepare();
  log(`chaos: seed ${options.seed}; database ${databaseName}; topic prefix ${prefix}; service logs in ${fleet.logDir}`);
  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => {});
  let observer = null;
  let producer = null;
  let failed = true;
  try {
    const bootAt = Date.now();
    await fleet.startAll();
    log(`chaos: ${fleet.members.length} service processes ready after ${((Date.now() - bootAt) / 1000).toFixed(1)} s`);
    await seedStaleInputIds(pool);
    const products = planProducts(rng, options.skus);
    await defineProducts(fleet.url('catalog'), products);
    await untilSagaKnows(fleet.url('fulfillment'), products);
    const workload = new Workload(rng, { seed: options.seed, orders: options.orders, skus: options.skus, receipts: options.receipts, duplicateRate: 0.01, poisonRate: 0.01 }, products);
    observer = await startObserver(kafka, prefix, workload);
    producer = upstreamProducer(kafka, prefix);

    const planned = Object.values(workload.left).reduce((sum, left) => sum + left, 0);
    const expectedMs = (planned / options.rate) * 1_000;
    const tally = { kills: 0, brokerRestarts: 0, pgRestarts: 0 };
    const plan = faultPlan(rng, options, infra, expectedMs);
    const progress = { sent: 0 };
    const startedAt = Date.now();
    const ticker = setInterval(() => log(`chaos: ${progress.sent} inputs sent, ${fleet.restarts} restarts`), 15_000);
    const [sent] = await Promise.all([drive(workload, producer, options.rate, progress), injectFaults({ rng, plan, fleet, infra, startedAt, tally })]);
    log(`chaos: workload sent (${sent} messages in ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
    const gracefulFindings = [];
    let exits = [];
    if (options.rollingRestart) {
      exits = await rollingRestart(fleet, kafka, prefix, gracefulFindings);
      log(`chaos: rolling restart done; SIGTERM exits took ${Math.min(...exits)}–${Math.max(...exits)} ms`);
    }
    await fleet.allReady();
    const lastFaultAt = Date.now();
    if (fleet.unplannedExits.length > 0) log(`chaos: processes that exited on their own (restarted): ${JSON.stringify(fleet.unplannedExits)}`);
    clearInterval(ticker);
    let drain = await waitForDrain(kafka, prefix, pool, options.drainTimeout);
    const lagRecoveryS = drain.drained ? ((drain.at - lastFaultAt) / 1000).toFixed(1) : 'timeout';
    log(`chaos: ${drain.drained ? 'drained' : 'NOT drained'} ${JSON.stringify(drain.last)}`);
    if (drain.drained) {
      await observerCaughtUp(observer);
      const late = workload.remainingShipments(Date.now(), LATE_SHIPMENTS_MAX);
      if (late.length > 0) {
        await producer.send(late);
        drain = await waitForDrain(kafka, prefix, pool, options.drainTimeout);
        log(`chaos: ${late.length} shipments of lines seen allocated after the workload; ${drain.drained ? 'drained' : 'NOT drained'} again`);
      }
    }
    await observer.consumer.disconnect();
    observer = null;
    const result = await checkInvariants({
      workload,
      kafka,
      prefix,
      databaseUrl,
      urls: { orders: fleet.url('orders'), inventory: fleet.url('inventory') },
      cliEnv: { DATABASE_URL: databaseUrl, KAFKA_BROKERS: infra.kafka.brokers, RESTOCK_TOPIC_PREFIX: prefix },
    });
    for (const finding of gracefulFindings) result.findings.add('graceful', finding);
    const stale = await staleInputIdsLeft(pool);
    log(`chaos: stale processed input ids pruned ${STALE_IDS_PER_CONSUMER * CONSUMING_SCHEMAS.length - stale}/${STALE_IDS_PER_CONSUMER * CONSUMING_SCHEMAS.length}`);
    if (stale > 0) result.findings.add('pruning', `${stale} processed input ids 30 days old were not pruned`);
    if (!drain.drained) result.findings.add('lag', `not drained within ${options.drainTimeout} s: ${JSON.stringify(drain.last)}`);
    result.lagRecoveryS = lagRecoveryS;
    const violations = Object.entries(result.findings.counts).filter(([, count]) => count > 0);
    for (const [kind, count] of violations) log(`chaos: ${kind}: ${count}\n  ${result.findings.examples[kind].join('\n  ')}`);
    log(`chaos: sent ${JSON.stringify(workload.sent)}; ${result.updates} customer updates; replay CLI: ${result.cli}; SIGTERM exits ${exits.length ? `${Math.min(...exits)}–${Math.max(...exits)} ms` : 'n/a'}; run took ${((Date.now() - runStartedAt) / 1000).toFixed(0)} s`);
    console.log(summaryLine(options, tally, workload, result));
    failed = violations.length > 0;
    if (failed) console.error(`chaos: FAILED; reproduce with: npm run chaos -- --seed ${options.seed} --orders ${options.orders} --skus ${options.skus} --receipts ${options.receipts} --kills ${options.kills} --broker-restarts ${options.brokerRestarts} --pg-restarts ${options.pgRestarts}`);
  } catch (error) {
    console.error(`chaos: run aborted: ${error.stack ?? error}`);
    console.error(`chaos: seed ${options.seed}`);
  } finally {
    await observer?.consumer.disconnect().catch(() => {});
    await producer?.close();
    await fleet.stopAll();
    await pool.end().catch(() => {});
    if (!failed && !options.keep) await dropDatabase(infra.postgres.serverUrl, databaseName).catch(() => {});
    else log(`chaos: kept database ${databaseName} and topics ${prefix}*`);
    if (options.stopInfra) {
      await infra.kafka.stop().catch((error) => log(`chaos: stopping the broker failed: ${error.message}`));
      await infra.postgres.stop().catch((error) => log(`chaos: stopping the PostgreSQL cluster failed: ${error.message}`));
    }
  }
  process.exit(failed ? 1 : 0);
}

await main();
