import { Injectable } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { Metrics } from '@restock/platform';

/** SKUs reported per scrape at most, the longest queues first, to bound the label set. */
export const QUEUE_METRIC_SKUS_MAX = 500;

interface QueueFigures {
  readonly depth: number;
  readonly oldestWaitingSinceMs: number | null;
}

/** The saga's own figures: how fast stock reaches lines, and how long queues are and wait. */
@Injectable()
export class FulfillmentMetrics {
  readonly allocationLatency: Histogram<never>;
  private readonly queues = new Map<string, QueueFigures>();

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.allocationLatency = new Histogram({
      name: 'restock_allocation_latency_seconds',
      help: 'From an input reaching Kafka to the allocations it caused being decided',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const depth = new Gauge({ name: 'restock_backorder_queue_depth', help: 'Waiting lines per SKU', labelNames: ['sku'], registers });
    const age = new Gauge({ name: 'restock_oldest_backorder_age_seconds', help: 'Age of the oldest waiting line per SKU', labelNames: ['sku'], registers });
    const queues = this.queues;
    (depth as unknown as { collect: () => void }).collect = () => {
      depth.reset();
      for (const [sku, figures] of longestQueues(queues)) depth.set({ sku }, figures.depth);
    };
    (age as unknown as { collect: () => void }).collect = () => {
      age.reset();
      const now = Date.now();
      for (const [sku, figures] of longestQueues(queues)) {
        if (figures.oldestWaitingSinceMs !== null) age.set({ sku }, Math.max(0, (now - figures.oldestWaitingSinceMs) / 1000));
      }
    };
  }

  queueChanged(sku: string, depth: number, oldestWaitingSince: string | null): void {
    if (depth === 0) this.queues.delete(sku);
    else this.queues.set(sku, { depth, oldestWaitingSinceMs: oldestWaitingSince === null ? null : Date.parse(oldestWaitingSince) });
  }

  allocated(arrivedAtMs: number): void {
    this.allocationLatency.observe(Math.max(0, Date.now() - arrivedAtMs) / 1000);
  }
}

function longestQueues(queues: ReadonlyMap<string, QueueFigures>): [string, QueueFigures][] {
  return [...queues.entries()].sort((a, b) => b[1].depth - a[1].depth).slice(0, QUEUE_METRIC_SKUS_MAX);
}
