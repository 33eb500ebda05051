import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Database } from '@restock/event-store';
import { CLOCK, Clock } from './clock';
import { FulfillmentSaga } from './fulfillment-saga';

export const TICK_INTERVAL_MS_DEFAULT = 60_000;
export const TICK_SKUS_PER_TRANSACTION = 100;
export const TICK_INTERVAL = Symbol('TICK_INTERVAL');

/**
 * Time passes even when no input arrives: backorder deadlines expire (rule 6) and estimates that
 * have passed move on (rule 3). Every interval, each SKU with waiting lines gets a Tick at the
 * clock's time. A tick is an input like any other, so its effects are events and replay the same.
 */
@Injectable()
export class DeadlineTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeadlineTicker');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly saga: FulfillmentSaga,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TICK_INTERVAL) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn(`tick failed: ${String(error)}`))
        .finally(() => {
          this.running = null;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Ticks every SKU that has a queue; returns how many were ticked. */
  async tick(): Promise<number> {
    const now = this.clock.now().toISOString();
    const result = await this.db.query<{ sku: string }>('SELECT sku FROM sku_ledger WHERE queue_depth > 0 ORDER BY sku');
    const skus = result.rows.map((row) => row.sku);
    for (let start = 0; start < skus.length; start += TICK_SKUS_PER_TRANSACTION) {
      const chunk = skus.slice(start, start + TICK_SKUS_PER_TRANSACTION);
      await this.db.transaction(
        (tx) =>
          this.saga.process(
            tx,
            chunk.map((sku) => ({ sku, command: { type: 'Tick' as const, data: {}, metadata: { now, inputId: `tick:${sku}:${now}` } } })),
          ),
        { lockKeys: chunk },
      );
    }
    return skus.length;
  }
}
