import { createRequire } from 'node:module';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Database, runMigrations } from '@restock/event-store';
import { FulfillmentCommand } from '@restock/fulfillment-domain';
import { FULFILLMENT_MIGRATIONS, fulfillmentService } from '@restock/fulfillment-adapters';
import { sagaForBench } from '../hot-sku/saga-for-bench';
import { createKafka } from '@restock/messaging';
import { loadServiceConfig, startService } from '@restock/platform';
import { createTestDatabase, TEST_BROKERS } from '@restock/testing';
import { BenchmarkResult, median, ratio, target } from '../harness/results';
import { removeRunTopics } from '../pipeline/kafka-io';
import { freePort, ServicesMode } from '../pipeline/running-stack';
import { startConstantServer } from './constant-server';

export const CONNECTIONS = 50;
const BASELINE_SHARE_MIN = 0.5;
const P99_MS_MAX = 10;
const WAITING_LINES = 1_000;
const BENCH_SKU = 'AVAIL-1';
const NOW = '2026-12-01T10:00:00Z';
const WARM_UP_SECONDS = 1;
const ROUNDS = 3;

export interface AvailabilityOptions {
  readonly durationSeconds: number;
  readonly services: ServicesMode;
  readonly log: (message: string) => void;
}

interface Server {
  readonly url: string;
  close(): Promise<void>;
}

interface Load {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

function command(type: string, data: Record<string, unknown>, index: number): FulfillmentCommand {
  return { type, data, metadata: { now: NOW, inputId: `avail-${index}` } } as FulfillmentCommand;
}

/** A backorderable SKU with a purchase order and a queue, stored the way the saga stores it. */
export async function seedForScratch(databaseUrl: string): Promise<void> {
  return seedSku(databaseUrl);
}

async function seedSku(databaseUrl: string): Promise<void> {
  await runMigrations(databaseUrl, 'fulfillment', FULFILLMENT_MIGRATIONS);
  const db = new Database(databaseUrl, 'fulfillment');
  try {
    const saga = sagaForBench();
    const commands = [
      command('DefineProduct', { name: 'Bench', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }, 0),
      command('AddSupply', { purchaseOrderId: 'PO-1', quantity: WAITING_LINES, expectedAt: '2026-12-05T00:00:00Z' }, 1),
      ...Array.from({ length: WAITING_LINES }, (_, index) => command('PlaceLine', { orderId: `O${index}`, lineId: 'L1', quantity: 1, placedAt: NOW }, index + 2)),
    ];
    await db.transaction((tx) => saga.process(tx, commands.map((entry) => ({ sku: BENCH_SKU, command: entry }))), { lockKeys: [BENCH_SKU] });
  } finally {
    await db.close();
  }
}

interface ServicesModule {
  startService(options: { name: string; port: number; env: Record<string, string>; entry?: string; quiet: boolean }): { url: string };
  waitReady(handle: { url: string }): Promise<unknown>;
  stopAll(handles: readonly { url: string }[]): Promise<void>;
}

function servicesModule(): ServicesModule {
  return createRequire(__filename)(join(__dirname, '..', '..', 'tools', 'stack', 'services.mjs')) as ServicesModule;
}

async function childServer(databaseUrl: string, entry?: string): Promise<Server> {
  const services = servicesModule();
  const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: TEST_BROKERS.join(','), RESTOCK_TOPIC_PREFIX: AVAILABILITY_TOPIC_PREFIX, HOST: '127.0.0.1', LOG_LEVEL: 'warn', FULFILLMENT_TICK_INTERVAL_MS: '0' };
  const handle = services.startService({ name: 'fulfillment', port: await freePort(), env, quiet: false, ...(entry ? { entry } : {}) });
  try {
    await services.waitReady(handle);
  } catch (error) {
    await services.stopAll([handle]);
    throw error;
  }
  return { url: handle.url, close: () => services.stopAll([handle]) };
}

async function inProcessServer(databaseUrl: string): Promise<Server> {
  const config = loadServiceConfig('fulfillment', { ...process.env, KAFKA_BROKERS: TEST_BROKERS.join(',') }, {
    databaseUrl,
    topicPrefix: AVAILABILITY_TOPIC_PREFIX,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
  });
  const running = await startService(config, fulfillmentService(config, { tickIntervalMs: 0 }));
  return { url: running.url, close: () => running.close() };
}

async function load(url: string, durationSeconds: number): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: durationSeconds });
  return { requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, failures: result.errors + result.non2xx + result.timeouts };
}

function medianLoad(loads: readonly Load[]): Load {
  return {
    requestsPerSecond: median(loads.map((entry) => entry.requestsPerSecond)),
    p50Ms: median(loads.map((entry) => entry.p50Ms)),
    p99Ms: median(loads.map((entry) => entry.p99Ms)),
    failures: loads.reduce((sum, entry) => sum + entry.failures, 0),
  };
}

/**
 * Both servers run side by side and take turns under load, round after round: on a machine shared
 * with other work, a burst of load then hits both alike, and the medians of the rounds are compared.
 */
async function alternate(product: Server, baseline: Server, durationSeconds: number, log: (message: string) => void): Promise<{ product: Load; baseline: Load; ratios: number[] }> {
  const path = `/availability/${BENCH_SKU}?quantity=1`;
  for (const server of [product, baseline]) {
    const check = await fetch(`${server.url}${path}`);
    if (check.status !== 200) throw new Error(`GET ${server.url}${path} answered ${check.status}: ${await check.text()}`);
    await load(`${server.url}${path}`, WARM_UP_SECONDS);
  }
  const roundSeconds = Math.max(1, Math.round(durationSeconds / ROUNDS));
  const productLoads: Load[] = [];
  const baselineLoads: Load[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    baselineLoads.push(await load(`${baseline.url}${path}`, roundSeconds));
    productLoads.push(await load(`${product.url}${path}`, roundSeconds));
    ratios.push(ratio(productLoads[round]!.requestsPerSecond, baselineLoads[round]!.requestsPerSecond));
    log(`availability round ${round + 1}: ${Math.round(productLoads[round]!.requestsPerSecond)} req/s, constant ${Math.round(baselineLoads[round]!.requestsPerSecond)} req/s`);
  }
  return { product: medianLoad(productLoads), baseline: medianLoad(baselineLoads), ratios };
}

/** The topics the fulfillment service under load creates; deleted when the benchmark ends. */
export const AVAILABILITY_TOPIC_PREFIX = `bench-avail-${process.pid}.`;

export async function availabilityBenchmark(options: AvailabilityOptions): Promise<BenchmarkResult> {
  const startedAt = performance.now();
  const database = await createTestDatabase('bench_availability');
  const child = options.services === 'child';
  let measured: { product: Load; baseline: Load; ratios: number[] };
  try {
    await seedSku(database.url);
    const product = child ? await childServer(database.url) : await inProcessServer(database.url);
    try {
      const baseline = child ? await childServer(database.url, join(__dirname, 'constant-server.ts')) : await startConstantServer(0);
      try {
        measured = await alternate(product, baseline, options.durationSeconds, options.log);
      } finally {
        await baseline.close();
      }
    } finally {
      await product.close();
    }
  } finally {
    await database.drop();
    const kafka = createKafka({ brokers: TEST_BROKERS, clientId: 'restock-bench-availability', topicPrefix: AVAILABILITY_TOPIC_PREFIX });
    await removeRunTopics(kafka, AVAILABILITY_TOPIC_PREFIX, options.log, 'availability');
  }
  const { product, baseline } = measured;
  if (product.failures > 0 || baseline.failures > 0) throw new Error(`availability: ${product.failures} failed requests (baseline ${baseline.failures})`);
  return {
    benchmark: 'availability',
    figures: [
      { name: 'GET /availability/{sku} throughput', value: product.requestsPerSecond, unit: 'req/s', baseline: { name: 'NestJS+Fastify constant endpoint', value: baseline.requestsPerSecond } },
      { name: 'GET /availability/{sku} latency p50', value: product.p50Ms, unit: 'ms', baseline: { name: 'constant endpoint', value: baseline.p50Ms } },
      { name: 'GET /availability/{sku} latency p99', value: product.p99Ms, unit: 'ms', baseline: { name: 'constant endpoint', value: baseline.p99Ms } },
    ],
    targets: [
      target('requests/s vs. the constant endpoint (median of the rounds)', median(measured.ratios), '>=', BASELINE_SHARE_MIN, 'x'),
      target('latency p99', product.p99Ms, '<', P99_MS_MAX, 'ms'),
    ],
    notes: [
      `autocannon in the benchmark process, ${CONNECTIONS} connections, against one SKU with ${WAITING_LINES} waiting lines and a purchase order: ${ROUNDS} rounds of ${Math.max(1, Math.round(options.durationSeconds / ROUNDS))} s on each server in turn after a ${WARM_UP_SECONDS} s warm-up; figures are medians of the rounds.`,
      `Servers: ${options.services === 'child' ? 'each a child process (the fulfillment service via tools/stack/services.mjs; the baseline the same way)' : 'in the benchmark process'}.`,
    ],
    durationMs: performance.now() - startedAt,
  };
}
