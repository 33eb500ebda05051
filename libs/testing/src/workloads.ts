import type { TestKafka } from './infrastructure';

/** A small seeded generator (mulberry32), so a random workload can be run again from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface PublishedInput {
  readonly topic: string;
  readonly key: string;
  readonly value: unknown;
}

/** Publishes a mixed workload topic by topic, keeping the order of the inputs within each topic. */
export async function publishByTopic(kafka: TestKafka, inputs: readonly PublishedInput[]): Promise<void> {
  for (const topic of new Set(inputs.map((entry) => entry.topic))) {
    await kafka.publish(topic, inputs.filter((entry) => entry.topic === topic).map(({ key, value }) => ({ key, value })));
  }
}
