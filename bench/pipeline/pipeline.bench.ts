import { randomBytes } from 'node:crypto';
import { Kafka, Producer } from 'kafkajs';
import { TOPICS } from '@restock/contracts';
import { createKafka, ensureTopics, TopicNamer } from '@restock/messaging';
import { createTestDatabase, TEST_BROKERS } from '@restock/testing';
import { CpuByGroup, measureCpu, totalCpu } from '../harness/process-cpu';
import { BenchmarkResult, Figure, percentile, ratio, target } from '../harness/results';
import { BaselineRelayChain, RelayChainOptions } from './baseline-relay-chain';
import { benchProducer, publish, removeRunTopics, sendChunk, UpdatesReader, until } from './kafka-io';
import { MemoryUsage, RunningStack, SERVICE_NAMES, ServicesMode, startStack } from './running-stack';
import { buildWorkload, isOrder, Message, OrderMessage, skusFor, Workload } from './workload';

export type { ServicesMode } from './running-stack';

export const PIPELINE_LINES_DEFAULT = 50_000;
const BASELINE_SHARE_MIN = 0.25;
const LINES_PER_SECOND_MIN = 2_000;
const LATENCY_RATE_SHARE = 0.5;
/** The latency run sends this share of N lines, paced. */
const LATENCY_LINES_SHARE = 0.5;
/**
 * Before each maximum-rate phase, this share of N lines (over SKUs of their own) runs through the
 * same processes unmeasured, for the chain and the product alike. A broker started just before the
 * bench was still compiling its transaction and group-coordinator paths during the product's phase
 * (its C2 compiler thread took 3.5 CPU-s of a 20 s window, against 0.9 s in the next run), and the
 * services start with cold code; in production both run warm (docs/benchmarks.md, ninth pass).
 */
const WARM_UP_LINES_SHARE = 0.2;
const PACING_TICK_MS = 50;
const PRODUCT_DEFINITION_CONCURRENCY = 16;
const PHASE_WARM_UP_START = Date.parse('2026-11-30T00:00:00Z');
const PHASE_ONE_START = Date.parse('2026-12-01T00:00:00Z');
const PHASE_TWO_START = Date.parse('2026-12-01T12:00:00Z');
const TIMEOUT_MS_MIN = 180_000;
const TIMEOUT_MS_PER_LINE = 10;

export interface PipelineOptions {
  readonly lines: number;
  readonly services: ServicesMode;
  /** Each service in a memory cgroup of this many MiB (child processes only), as a container limits it. */
  readonly memoryLimitMiB?: number;
  readonly log: (message: string) => void;
}

interface Throughput {
  readonly linesPerSecond: number;
  readonly seconds: number;
  /** CPU seconds per group of processes over the phase; null where /proc is missing. */
  readonly cpu: CpuByGroup | null;
}

/** CPU figures are given per this many order lines. */
const CPU_PER_LINES = 10_000;

interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly linesPerSecond: number;
}

/** Each service's peak under its memory limit, when the services ran under one. */
function memoryFigures(memory: Record<string, MemoryUsage> | null): Figure[] {
  if (memory === null) return [];
  return SERVICE_NAMES.flatMap((name) => {
    const usage = memory[name]!;
    return usage.peakMiB === null ? [] : [{ name: `peak memory under a ${usage.limitMiB} MiB limit: ${name}`, value: usage.peakMiB, unit: 'MiB' }];
  });
}

/** Which services the kernel killed for going over their memory limit, in words; null if none. */
function oomKilled(memory: Record<string, MemoryUsage> | null): string | null {
  const killed = Object.entries(memory ?? {}).filter(([, usage]) => usage.oomKills > 0);
  return killed.length === 0 ? null : `killed for going over their memory limit: ${killed.map(([name, usage]) => `${name} (${usage.oomKills}×, ${usage.limitMiB} MiB)`).join(', ')}`;
}

function timeoutMs(lines: number): number {
  return Math.max(TIMEOUT_MS_MIN, lines * TIMEOUT_MS_PER_LINE);
}

function describeProgress(reader: UpdatesReader, workload: Workload, label: string): () => string {
  return () => `${label}: ${reader.acknowledgedAt.size}/${workload.orders} orders acknowledged, ${reader.allocatedUnits}/${workload.receivedUnits} received units allocated`;
}

/**
 * One order through every hop before the clock starts, so consumer groups have joined and
 * connections are open: the figures are about moving lines, not about starting up.
 */
async function warmUp(producer: Producer, namer: TopicNamer, reader: UpdatesReader, workload: Workload, label: string): Promise<void> {
  const order = workload.messages.find(isOrder)!;
  const orderId = `${order.orderId}-warm-up`;
  const value = order.value.split(order.orderId).join(orderId).replace(/"id":"[^"]+"/, `"id":"${orderId}"`);
  const warm: OrderMessage = { ...order, key: orderId, orderId, value };
  await sendChunk(producer, namer, [warm]);
  await until(() => reader.acknowledgedAt.has(orderId), TIMEOUT_MS_MIN, () => `${label}: the warm-up order was not acknowledged`, () => reader.failure());
}

/** Publishes everything at once and waits for every acknowledgement and every allocation: when it was done. */
async function runThrough(producer: Producer, namer: TopicNamer, reader: UpdatesReader, workload: Workload, label: string): Promise<number> {
  const allocatedBefore = reader.allocatedUnits;
  await publish(producer, namer, workload.messages);
  const orderIds = workload.messages.filter(isOrder).map((message) => message.orderId);
  const done = () => orderIds.every((orderId) => reader.acknowledgedAt.has(orderId)) && reader.allocatedUnits - allocatedBefore >= workload.receivedUnits;
  return until(done, timeoutMs(workload.lines), describeProgress(reader, workload, label), () => reader.failure());
}

/**
 * The warm-up workload through every hop unmeasured (consumer groups join, connections open, code
 * compiles), then the workload at the maximum rate, measured.
 */
async function maximumRate(producer: Producer, namer: TopicNamer, reader: UpdatesReader, warm: Workload, workload: Workload, label: string): Promise<Throughput> {
  await runThrough(producer, namer, reader, warm, `${label} warm-up`);
  const cpu = measureCpu();
  const startedAt = performance.now();
  const finishedAt = await runThrough(producer, namer, reader, workload, label);
  const seconds = (finishedAt - startedAt) / 1000;
  return { linesPerSecond: workload.lines / seconds, seconds, cpu: cpu.stop() };
}

/** Sends at a fixed rate of order lines and measures each order's time to acknowledgement. */
async function latencyAtRate(producer: Producer, namer: TopicNamer, reader: UpdatesReader, workload: Workload, linesPerSecond: number, label: string, allocatedBefore = 0): Promise<Latency> {
  await warmUp(producer, namer, reader, workload, label);
  allocatedBefore = Math.max(allocatedBefore, reader.allocatedUnits);
  const sentAt = new Map<string, number>();
  const startedAt = performance.now();
  let index = 0;
  let linesSent = 0;
  while (index < workload.messages.length) {
    const due = ((performance.now() - startedAt) / 1000) * linesPerSecond;
    const chunk: Message[] = [];
    while (index < workload.messages.length && linesSent < due) {
      const message = workload.messages[index]!;
      chunk.push(message);
      if (isOrder(message)) linesSent += message.lines;
      index += 1;
    }
    if (chunk.length > 0) {
      const now = performance.now();
      for (const message of chunk) if (isOrder(message)) sentAt.set(message.orderId, now);
      await sendChunk(producer, namer, chunk);
    }
    await new Promise((resolve) => setTimeout(resolve, PACING_TICK_MS));
  }
  const done = () => [...sentAt.keys()].every((orderId) => reader.acknowledgedAt.has(orderId)) && reader.allocatedUnits - allocatedBefore >= workload.receivedUnits;
  await until(done, timeoutMs(workload.lines), describeProgress(reader, workload, label), () => reader.failure());
  const latencies = [...sentAt].map(([orderId, at]) => reader.acknowledgedAt.get(orderId)! - at);
  return { p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), linesPerSecond: (workload.lines * 1000) / (performance.now() - startedAt) };
}

async function withBaseline<T>(kafka: Kafka, namer: TopicNamer, work: (producer: Producer, reader: UpdatesReader) => Promise<T>, options: RelayChainOptions = {}): Promise<T> {
  const chain = new BaselineRelayChain(kafka, namer, options);
  const reader = new UpdatesReader(kafka, namer.physical(TOPICS.customerUpdates), namer.physical(`reader-${randomBytes(3).toString('hex')}`));
  const producer = benchProducer(kafka);
  await chain.start();
  reader.alsoFailWhen(() => chain.failure);
  await reader.start();
  await producer.connect();
  try {
    return await work(producer, reader);
  } finally {
    await producer.disconnect();
    await reader.stop();
    await chain.stop();
  }
}

/** The relay chain with each hop recording its batches in a database of its own, dropped afterwards. */
async function withRecordingBaseline(kafka: Kafka, namer: TopicNamer, warm: Workload, workload: Workload): Promise<Throughput> {
  const database = await createTestDatabase('bench_chain');
  try {
    return await withBaseline(kafka, namer, (producer, reader) => maximumRate(producer, namer, reader, warm, workload, 'recording baseline'), { databaseUrl: database.url });
  } finally {
    await database.drop();
  }
}

/** Only the orders travel the baseline chain: it has no services to take receipts. */
function ordersOnly(workload: Workload): Workload {
  return { ...workload, messages: workload.messages.filter(isOrder), receivedUnits: 0 };
}

async function defineProducts(stack: RunningStack, skus: readonly string[]): Promise<void> {
  const queue = [...skus];
  const worker = async () => {
    for (let sku = queue.pop(); sku !== undefined; sku = queue.pop()) {
      const response = await fetch(`${stack.urls.catalog}/products/${sku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Bench ${sku}`, backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }),
      });
      if (response.status !== 200) throw new Error(`PUT /products/${sku} answered ${response.status}: ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: PRODUCT_DEFINITION_CONCURRENCY }, worker));
  const deadline = performance.now() + TIMEOUT_MS_MIN;
  for (const sku of skus) {
    for (;;) {
      const response = await fetch(`${stack.urls.fulfillment}/availability/${sku}?quantity=1`);
      await response.arrayBuffer();
      if (response.status === 200) break;
      if (performance.now() > deadline) throw new Error(`fulfillment does not know product ${sku} yet`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * The CPU the maximum-rate phase took per CPU_PER_LINES order lines, all processes together against
 * the relay chain's, then the product's by group, each against the chain's same group where the chain
 * has one (none where /proc is missing).
 */
function cpuFigures(product: Throughput, baseline: Throughput, recording: Throughput, lines: number): Figure[] {
  if (product.cpu === null || baseline.cpu === null || recording.cpu === null) return [];
  const per = (seconds: number) => (seconds * CPU_PER_LINES) / lines;
  const byGroup = [...product.cpu].filter(([, seconds]) => per(seconds) >= 0.005).sort((a, b) => b[1] - a[1]);
  return [
    {
      name: `CPU per ${CPU_PER_LINES} lines (max rate), every process`,
      value: per(totalCpu(product.cpu)),
      unit: 'CPU-s',
      baseline: { name: 'the relay chain, every process', value: per(totalCpu(baseline.cpu)) },
    },
    {
      name: `CPU per ${CPU_PER_LINES} lines (max rate), every process, for comparison only`,
      value: per(totalCpu(product.cpu)),
      unit: 'CPU-s',
      baseline: { name: 'the relay chain recording each hop in PostgreSQL, every process; no target', value: per(totalCpu(recording.cpu)) },
    },
    ...byGroup.map(([group, seconds]): Figure => {
      const figure = { name: `CPU per ${CPU_PER_LINES} lines (max rate): ${group}`, value: per(seconds), unit: 'CPU-s' };
      // The chain's processes fall into some of the same groups (the broker, the database, the bench's own).
      const chain = baseline.cpu?.get(group);
      return chain === undefined ? figure : { ...figure, baseline: { name: `the relay chain: ${group}`, value: per(chain) } };
    }),
  ];
}

export async function pipelineBenchmark(options: PipelineOptions): Promise<BenchmarkResult> {
  const runId = randomBytes(3).toString('hex');
  const topicPrefix = `bench${runId}.`;
  const kafka = createKafka({ brokers: TEST_BROKERS, clientId: `restock-bench-${runId}`, topicPrefix });
  try {
    return await measurePipeline(options, kafka, runId, topicPrefix);
  } finally {
    await removeRunTopics(kafka, topicPrefix, options.log, 'pipeline');
  }
}

async function measurePipeline(options: PipelineOptions, kafka: Kafka, runId: string, topicPrefix: string): Promise<BenchmarkResult> {
  const startedAt = performance.now();
  const { lines, log } = options;
  const namer = new TopicNamer(topicPrefix);
  const baselineNamer = new TopicNamer(`${topicPrefix}baseline.`);
  const skus = skusFor(lines, runId);
  const warmLines = Math.max(1, Math.round(lines * WARM_UP_LINES_SHARE));
  const warmSkus = skusFor(warmLines, `${runId}w`);
  const warm = buildWorkload(warmLines, warmSkus, `W${runId}`, PHASE_WARM_UP_START, 3);
  const first = buildWorkload(lines, skus, `P1${runId}`, PHASE_ONE_START, 1);
  const second = buildWorkload(Math.max(1, Math.round(lines * LATENCY_LINES_SHARE)), skus, `P2${runId}`, PHASE_TWO_START, 2);
  log(`pipeline: ${first.lines} lines in ${first.orders} orders over ${skus.length} SKUs, ${first.receivedUnits} units received, after a warm-up of ${warm.lines} lines over ${warmSkus.length} SKUs of its own; services: ${options.services}${options.memoryLimitMiB === undefined ? '' : `, each under ${options.memoryLimitMiB} MiB`}; topic prefix "${topicPrefix}"`);

  const baselineMax = await withBaseline(kafka, baselineNamer, (producer, reader) => maximumRate(producer, baselineNamer, reader, ordersOnly(warm), ordersOnly(first), 'baseline'));
  log(`pipeline baseline: ${Math.round(baselineMax.linesPerSecond)} lines/s`);
  const transactionalNamer = new TopicNamer(`${topicPrefix}baseline-tx.`);
  const transactionalMax = await withBaseline(kafka, transactionalNamer, (producer, reader) => maximumRate(producer, transactionalNamer, reader, ordersOnly(warm), ordersOnly(first), 'transactional baseline'), {
    transactional: true,
  });
  log(`pipeline baseline with Kafka transactions: ${Math.round(transactionalMax.linesPerSecond)} lines/s`);
  const recordingMax = await withRecordingBaseline(kafka, new TopicNamer(`${topicPrefix}baseline-db.`), ordersOnly(warm), ordersOnly(first));
  log(`pipeline baseline recording each hop in PostgreSQL: ${Math.round(recordingMax.linesPerSecond)} lines/s`);

  const database = await createTestDatabase('bench_pipeline');
  let productMax: Throughput;
  let productLatency: Latency;
  let memory: Record<string, MemoryUsage> | null;
  try {
    await ensureTopics(kafka, Object.values(TOPICS).map((topic) => ({ name: namer.physical(topic), partitions: 6 })));
    const stack = await startStack(options.services, { databaseUrl: database.url, brokers: TEST_BROKERS, topicPrefix, memoryLimitMiB: options.memoryLimitMiB });
    try {
      await defineProducts(stack, [...warmSkus, ...skus]);
      log(`pipeline: ${warmSkus.length + skus.length} products defined`);
      const reader = new UpdatesReader(kafka, namer.physical(TOPICS.customerUpdates), namer.physical(`reader-${runId}`));
      const producer = benchProducer(kafka);
      await reader.start();
      await producer.connect();
      try {
        productMax = await maximumRate(producer, namer, reader, warm, first, 'restock');
        log(`pipeline restock: ${Math.round(productMax.linesPerSecond)} lines/s`);
        productLatency = await latencyAtRate(producer, namer, reader, second, LATENCY_RATE_SHARE * productMax.linesPerSecond, 'restock latency', reader.allocatedUnits);
        log(`pipeline restock latency: p50 ${productLatency.p50Ms.toFixed(0)} ms, p99 ${productLatency.p99Ms.toFixed(0)} ms`);
      } finally {
        await producer.disconnect();
        await reader.stop();
      }
      memory = stack.memory();
    } catch (error) {
      // A service the kernel killed stops the pipeline: the phase's timeout alone would not say why.
      const killed = oomKilled(stack.memory());
      throw killed === null ? error : new Error(`${killed}; then: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await stack.close();
    }
    const killed = oomKilled(memory);
    if (killed !== null) throw new Error(killed);
  } finally {
    // RESTOCK_BENCH_KEEP_DATABASE=1 keeps it, to look at its plans and table statistics afterwards.
    if (process.env['RESTOCK_BENCH_KEEP_DATABASE'] === '1') log(`pipeline: database kept: ${database.url}`);
    else await database.drop();
  }
  const rate = LATENCY_RATE_SHARE * productMax.linesPerSecond;
  const secondOrders = ordersOnly(buildWorkload(second.lines, skus, `B2${runId}`, PHASE_TWO_START, 2));
  const baselineLatency = await withBaseline(kafka, baselineNamer, (producer, reader) => latencyAtRate(producer, baselineNamer, reader, secondOrders, rate, 'baseline latency'));
  return {
    benchmark: 'pipeline',
    figures: [
      { name: 'order lines acknowledged (max rate)', value: productMax.linesPerSecond, unit: 'lines/s', baseline: { name: 'kafkajs relay chain, 3 hops, no database', value: baselineMax.linesPerSecond } },
      {
        name: 'order lines acknowledged (max rate), for comparison only',
        value: productMax.linesPerSecond,
        unit: 'lines/s',
        baseline: { name: 'the same relay chain, each hop in Kafka transactions like the product relays; no target', value: transactionalMax.linesPerSecond },
      },
      {
        name: 'order lines acknowledged (max rate), against the chain writing to PostgreSQL',
        value: productMax.linesPerSecond,
        unit: 'lines/s',
        baseline: {
          name: 'the same relay chain, each hop first recording its batch in PostgreSQL (input ids, an event per input); no target',
          value: recordingMax.linesPerSecond,
        },
      },
      ...cpuFigures(productMax, baselineMax, recordingMax, first.lines),
      { name: `ack latency p50 at ${Math.round(rate)} lines/s`, value: productLatency.p50Ms, unit: 'ms', baseline: { name: 'relay chain at the same rate', value: baselineLatency.p50Ms } },
      { name: `ack latency p99 at ${Math.round(rate)} lines/s`, value: productLatency.p99Ms, unit: 'ms', baseline: { name: 'relay chain at the same rate', value: baselineLatency.p99Ms } },
      ...memoryFigures(memory),
    ],
    targets: [
      target('rate vs. the relay chain', ratio(productMax.linesPerSecond, baselineMax.linesPerSecond), '>=', BASELINE_SHARE_MIN, 'x'),
      target('order lines per second', productMax.linesPerSecond, '>=', LINES_PER_SECOND_MIN, 'lines/s'),
    ],
    notes: [
      `${first.lines} order lines in ${first.orders} orders over ${skus.length} SKUs (80 % of the lines on 20 % of the SKUs), a purchase-order line per SKU among the first tenth and ${first.receivedUnits} received units in receipts spread through the stream; done when every order is acknowledged on ${TOPICS.customerUpdates} and every received unit is allocated there.`,
      `Services: ${options.services === 'child' ? 'five child processes (tools/stack/services.mjs), as they are deployed: each service has its own event loop, so the two cores are shared the way production shares a node' : 'all five in this process (one event loop for all)'}.`,
      `Warm-up: before each maximum-rate phase (the relay chains' and the product's), ${warm.lines} lines over ${warmSkus.length} SKUs of their own ran through the same processes unmeasured.`,
      ...(memory === null
        ? []
        : [
            `Memory: each service ran in a Linux memory cgroup of ${options.memoryLimitMiB} MiB of its own (--service-memory), as a container with that limit runs it; Node sizes its heap from that limit where its options do not set it. Peaks count page cache, as the limit does.`,
          ]),
      `Latency: ${second.lines} more lines sent paced at half the maximum rate measured, from the send to the OrderAcknowledged read back by this process.`,
    ],
    durationMs: performance.now() - startedAt,
  };
}
