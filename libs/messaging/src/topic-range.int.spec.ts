import { testKafka, TestKafka } from '@restock/testing';
import { KafkaMessage } from 'kafkajs';
import { readRanges, resolveRanges } from './topic-range';

const TOPIC = 'range.reads.v1';
const MESSAGES = 600;
const PUBLISH_CHUNK = 50;
/** 600 × 8 KB over 2 partitions is about 2.4 MB each: more than one fetch (1 MiB) per partition. */
const PADDING = 'x'.repeat(8_000);

describe('reading a topic range', () => {
  let kafka: TestKafka;

  beforeAll(async () => {
    kafka = testKafka('range');
    await kafka.createTopics([TOPIC], 2);
    for (let start = 0; start < MESSAGES; start += PUBLISH_CHUNK) {
      await kafka.publish(
        TOPIC,
        Array.from({ length: PUBLISH_CHUNK }, (_, offset) => ({ key: `key-${(start + offset) % 7}`, value: { n: start + offset, padding: PADDING } })),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await kafka.close();
  });

  async function read(query: Parameters<typeof resolveRanges>[2]): Promise<Map<number, bigint[]>> {
    const physical = kafka.namer.physical(TOPIC);
    const offsets = new Map<number, bigint[]>();
    await readRanges(kafka.kafka, physical, await resolveRanges(kafka.kafka, physical, query), async (partition: number, messages: readonly KafkaMessage[]) => {
      offsets.set(partition, [...(offsets.get(partition) ?? []), ...messages.map((message) => BigInt(message.offset))]);
    });
    return offsets;
  }

  it('reads every message of partitions larger than one fetch, once each and in order', async () => {
    const offsets = await read({});
    const all = [...offsets.values()];
    expect(all.reduce((sum, partition) => sum + partition.length, 0)).toBe(MESSAGES);
    for (const partition of all) {
      expect(partition).toEqual([...partition].sort((a, b) => (a < b ? -1 : 1)));
      expect(new Set(partition).size).toBe(partition.length);
    }
  }, 60_000);

  it('starts each partition at the offset asked for', async () => {
    const offsets = await read({ fromOffset: 200n });
    for (const partition of offsets.values()) expect(partition[0]).toBe(200n);
    expect([...offsets.values()].reduce((sum, partition) => sum + partition.length, 0)).toBe(MESSAGES - 2 * 200);
  }, 60_000);
});
