import { Injectable, Logger } from '@nestjs/common';
import type { AcceptedDemandData } from '@restock/contracts';
import { enqueue, OutboxMessage, Queryable } from '@restock/event-store';
import { decide, evolve, ledger, Rejection } from '@restock/fulfillment-domain';
import { acceptedDemandBySku, DecidedInput, ledgerFact } from './fulfillment-facts';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { SkuCommand } from './saga-inputs';
import { oldestWaitingSince, upsertSkuLedgers } from './sku-ledger';
import { storeSnapshots } from './sku-snapshots';
import { LoadedSku, SNAPSHOT_EVERY_EVENTS, SkuStates } from './sku-states';
import { storeDecisions, storedEventId } from './stored-decisions';

/** A command the SKU's decider refused; nothing of it was stored. */
export interface SkuRejection {
  readonly sku: string;
  readonly inputId: string;
  readonly rejection: Rejection;
}

interface SkuWork {
  readonly loaded: LoadedSku;
  eventCount: number;
  /** The SKU's latest input that decided events, by its index among the batch's decided inputs. */
  lastDecided: number | null;
}

/**
 * The fulfillment saga's write side: runs each command through its SKU's decider in input order,
 * then stores what was decided in one go — the events (with the stream version as the guard), the
 * public facts, the snapshots that are due and the ledger rows, all in the caller's transaction.
 */
@Injectable()
export class FulfillmentSaga {
  private readonly logger = new Logger('FulfillmentSaga');

  constructor(
    private readonly states: SkuStates,
    private readonly metrics: FulfillmentMetrics,
  ) {}

  /** Decides and stores the commands in the caller's transaction; answers the ones that were refused. */
  async process(tx: Queryable, commands: readonly SkuCommand[]): Promise<SkuRejection[]> {
    if (commands.length === 0) return [];
    const skus = [...new Set(commands.map((entry) => entry.sku))];
    const work = this.run(tx, skus, commands);
    this.states.hold(skus, work);
    return work;
  }

  private async run(tx: Queryable, skus: readonly string[], commands: readonly SkuCommand[]): Promise<SkuRejection[]> {
    const loaded = await this.states.loadForUpdate(tx, skus);
    const bySku = new Map<string, SkuWork>(skus.map((sku) => [sku, { loaded: loaded.get(sku)!, eventCount: 0, lastDecided: null }]));
    const decided: DecidedInput[] = [];
    const rejections: SkuRejection[] = [];
    try {
      for (const { sku, command, arrivedAtMs } of commands) {
        const before = decided.length;
        const rejection = this.decideOne(bySku.get(sku)!, sku, command, decided);
        if (rejection) rejections.push({ sku, inputId: command.metadata.inputId, rejection });
        const allocated = decided.length > before && decided[before]!.events.some((event) => event.type === 'StockAllocated');
        if (arrivedAtMs !== undefined && allocated) this.metrics.allocated(arrivedAtMs);
      }
    } catch (error) {
      // evolve changes the cached state in place: a half-applied batch must not stay cached.
      this.states.forget(skus);
      throw error;
    }
    const changed = [...bySku.values()].filter((entry) => entry.eventCount > 0);
    const accepted = acceptedDemandBySku(decided);
    const ledgers = changed.map((entry) => this.ledgerMessage(entry, decided[entry.lastDecided!]!, accepted.get(entry.loaded.sku) ?? []));
    for (const entry of changed) this.remember(entry, decided[entry.lastDecided!]!);
    await storeDecisions(tx, decided, new Map(changed.map((entry) => [entry.loaded.sku, entry.loaded.version])));
    // Stored and published: the decided events (one per waiting line for a reschedule) can go
    // before the snapshots are serialized.
    decided.length = 0;
    await enqueue(tx, ledgers);
    await storeSnapshots(
      tx,
      changed.filter((entry) => this.snapshotDue(entry)).map((entry) => ({ sku: entry.loaded.sku, version: this.versionAfter(entry), state: entry.loaded.state })),
    );
    await upsertSkuLedgers(
      tx,
      changed.map((entry) => ({ sku: entry.loaded.sku, version: this.versionAfter(entry), state: entry.loaded.state })),
    );
    for (const entry of changed) this.metrics.queueChanged(entry.loaded.sku, entry.loaded.state.queue.length, oldestWaitingSince(entry.loaded.state));
    return rejections;
  }

  private decideOne(entry: SkuWork, sku: string, command: SkuCommand['command'], decided: DecidedInput[]): Rejection | null {
    const decision = decide(command, entry.loaded.state);
    if (decision.status === 'REJECTED') {
      this.logger.warn({ sku, input: command.metadata.inputId, command: command.type, code: decision.rejection.code, msg: decision.rejection.message });
      return decision.rejection;
    }
    for (const event of decision.events) evolve(entry.loaded.state, event);
    if (decision.events.length > 0) {
      entry.eventCount += decision.events.length;
      entry.lastDecided = decided.length;
      decided.push({ sku, inputId: command.metadata.inputId, time: command.metadata.now, events: decision.events });
    }
    return null;
  }

  private remember(entry: SkuWork, last: DecidedInput): void {
    this.states.remember({
      ...entry.loaded,
      version: this.versionAfter(entry),
      snapshotVersion: this.snapshotDue(entry) ? this.versionAfter(entry) : entry.loaded.snapshotVersion,
      lastEventId: storedEventId(last, last.events.length - 1),
    });
  }

  private versionAfter(entry: SkuWork): number {
    return entry.loaded.version + entry.eventCount;
  }

  // A snapshot costs as much as the SKU has open lines, so a SKU with a long queue takes one only
  // after at least that many events: its cost per event stays constant, and catching up from it
  // never reads more events than the snapshot holds lines.
  private snapshotDue(entry: SkuWork): boolean {
    const interval = Math.max(SNAPSHOT_EVERY_EVENTS, entry.loaded.state.lines.size);
    return entry.loaded.snapshotVersion === 0 || this.versionAfter(entry) - entry.loaded.snapshotVersion >= interval;
  }

  private ledgerMessage(entry: SkuWork, last: DecidedInput, accepted: readonly AcceptedDemandData[]): OutboxMessage {
    return ledgerFact(entry.loaded.sku, ledger(entry.loaded.state), oldestWaitingSince(entry.loaded.state), accepted, last.inputId, last.time);
  }
}
