import { createKafka } from '@restock/messaging';
import { eventually, TEST_BROKERS } from '@restock/testing';
import { AVAILABILITY_TOPIC_PREFIX, availabilityBenchmark } from './availability/availability.bench';
import { BenchmarkResult } from './harness/results';
import { hotSkuBenchmark } from './hot-sku/hot-sku.bench';
import { pipelineBenchmark } from './pipeline/pipeline.bench';
import { replayBenchmark } from './replay/replay.bench';

// Smoke runs of every benchmark at a few hundred events, so the harness cannot rot: they check that
// figures come out and are positive, never a target (a shared test machine says nothing about speed).
const quiet = () => undefined;
const TOPICS_GONE_TIMEOUT_MS = 20_000;

function expectFigures(result: BenchmarkResult, benchmark: string): void {
  expect(result.benchmark).toBe(benchmark);
  expect(result.figures.length).toBeGreaterThan(0);
  for (const figure of result.figures) {
    expect({ figure: figure.name, positive: figure.value > 0 && Number.isFinite(figure.value) }).toEqual({ figure: figure.name, positive: true });
    if (figure.baseline) expect({ baseline: figure.name, positive: figure.baseline.value > 0 }).toEqual({ baseline: figure.name, positive: true });
  }
  for (const check of result.targets) expect(typeof check.pass).toBe('boolean');
}

async function expectNoTopicsLeft(prefix: string): Promise<void> {
  const admin = createKafka({ brokers: TEST_BROKERS, clientId: 'restock-bench-smoke', topicPrefix: '' }).admin();
  await admin.connect();
  try {
    // The broker answers the deletion before every broker's metadata has dropped the topics.
    await eventually(async () => {
      expect((await admin.listTopics()).filter((topic) => topic.startsWith(prefix))).toEqual([]);
      return true;
    }, TOPICS_GONE_TIMEOUT_MS);
  } finally {
    await admin.disconnect();
  }
}

describe('benchmarks (smoke: tiny sizes, no targets)', () => {
  it('hot SKU: decider and saga costs at two queue lengths', async () => {
    expectFigures(await hotSkuBenchmark({ lines: 300, saga: true, log: quiet }), 'hot-sku');
  }, 60_000);

  it('replay: every read model rebuilt next to a plain scan', async () => {
    expectFigures(await replayBenchmark({ events: 400, log: quiet }), 'replay');
  }, 60_000);

  it('availability: the service and the constant endpoint under autocannon, its topics deleted afterwards', async () => {
    expectFigures(await availabilityBenchmark({ durationSeconds: 3, services: 'in-process', log: quiet }), 'availability');
    await expectNoTopicsLeft(AVAILABILITY_TOPIC_PREFIX);
  }, 90_000);

  it('pipeline: orders through all five services and through the relay chain, its topics deleted afterwards', async () => {
    const logged: string[] = [];
    expectFigures(await pipelineBenchmark({ lines: 100, services: 'in-process', log: (line) => logged.push(line) }), 'pipeline');
    const prefix = /topic prefix "(\S+)\."$/.exec(logged.find((line) => line.includes('topic prefix')) ?? '')?.[1];
    expect(prefix).toMatch(/^bench[0-9a-f]+$/);
    await expectNoTopicsLeft(`${prefix}.`);
  }, 240_000);
});
