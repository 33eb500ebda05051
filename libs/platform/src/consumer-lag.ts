import { Admin, Kafka } from 'kafkajs';
import { Gauge } from 'prom-client';
import { TopicNamer } from '@restock/messaging';

export const LAG_PROBE_TIMEOUT_MS = 3_000;

/**
 * Consumer lag per partition, measured when Prometheus scrapes: the end of each partition the
 * group has committed on, minus the group's committed offset. Measuring at scrape time keeps the
 * broker out of the hot path and the figure fresh.
 */
export function watchConsumerLag(gauge: Gauge<'topic' | 'partition'>, kafka: Kafka, namer: TopicNamer, groupId: string): () => Promise<void> {
  let admin: Admin | null = null;
  const connect = async (): Promise<Admin> => {
    if (admin) return admin;
    const created = kafka.admin();
    await created.connect();
    admin = created;
    return created;
  };
  (gauge as unknown as { collect?: () => Promise<void> }).collect = async () => {
    try {
      const client = await connect();
      const committed = await client.fetchOffsets({ groupId: namer.physical(groupId) });
      gauge.reset();
      for (const { topic, partitions } of committed) {
        const ends = new Map((await client.fetchTopicOffsets(topic)).map((entry) => [entry.partition, entry]));
        for (const { partition, offset } of partitions) {
          const end = ends.get(partition);
          if (!end) continue;
          const from = offset === '-1' ? Number(end.low) : Number(offset);
          gauge.set({ topic: namer.logical(topic), partition: String(partition) }, Math.max(0, Number(end.high) - from));
        }
      }
    } catch {
      // A scrape during a broker outage shows the last figures rather than failing the whole page.
    }
  };
  return async () => {
    await admin?.disconnect().catch(() => undefined);
    admin = null;
  };
}
