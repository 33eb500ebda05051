import type { Queryable } from '@restock/event-store';
import { eventually, TestKafka } from './infrastructure';

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

/** How many inputs the named consumer has recorded as processed (each with its effects). */
export async function processedInputCount(db: Queryable, consumer: string): Promise<number> {
  return Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM processed_inputs WHERE consumer = $1', [consumer])).rows[0]!.n);
}

/** Waits until the named consumer has processed at least `count` inputs. */
export async function untilProcessed(db: Queryable, consumer: string, count: number, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => ((await processedInputCount(db, consumer)) >= count ? true : undefined), timeoutMs);
}

/** An authenticated POST to an operator endpoint. */
export function postAsOperator(baseUrl: string, token: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
