import { Injectable, Logger } from '@nestjs/common';
import { deterministicId } from '@restock/contracts';
import { appendToStreams, enqueue, NewEvent, OutboxMessage, Queryable } from '@restock/event-store';
import { decide, evolve, ledger, Rejection, snapshot } from '@restock/fulfillment-domain';
import { CausedEvent, factsIn, ledgerFact } from './fulfillment-facts';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { SkuCommand } from './saga-inputs';
import { oldestWaitingSince, upsertSkuLedgers } from './sku-ledger';
import { LoadedSku, SNAPSHOT_EVERY_EVENTS, SkuStates, streamIdOf } from './sku-states';

/** Snapshots per INSERT: three parameters each, far below PostgreSQL's 65,535 per statement. */
const SNAPSHOTS_PER_STATEMENT = 1_000;

/** The batch's facts, built as the outbox takes them, then the SKUs' ledger messages. */
function* outboxMessagesOf(caused: readonly CausedEvent[], ledgers: readonly OutboxMessage[]): Generator<OutboxMessage> {
  yield* factsIn(caused);
  yield* ledgers;
}

/** A command the SKU's decider refused; nothing of it was stored. */
export interface SkuRejection {
  readonly sku: string;
  readonly inputId: string;
  readonly rejection: Rejection;
}

interface SkuWork {
  readonly loaded: LoadedSku;
  readonly events: NewEvent[];
  lastInput: { readonly id: string; readonly time: string } | null;
}

/**
 * The fulfillment saga's write side: runs each command through its SKU's decider in input order,
 * then stores what was decided in one go — the events (with the stream version as the guard), the
 * snapshots that are due, the ledger rows and the public facts, all in the caller's transaction.
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
    const bySku = new Map<string, SkuWork>(skus.map((sku) => [sku, { loaded: loaded.get(sku)!, events: [], lastInput: null }]));
    const caused: CausedEvent[] = [];
    const rejections: SkuRejection[] = [];
    try {
      for (const { sku, command, arrivedAtMs } of commands) {
        const before = caused.length;
        const rejection = this.decideOne(bySku.get(sku)!, sku, command, caused);
        if (rejection) rejections.push({ sku, inputId: command.metadata.inputId, rejection });
        if (arrivedAtMs !== undefined && caused.slice(before).some((entry) => entry.event.type === 'StockAllocated')) this.metrics.allocated(arrivedAtMs);
      }
    } catch (error) {
      // evolve changes the cached state in place: a half-applied batch must not stay cached.
      this.states.forget(skus);
      throw error;
    }
    const changed = [...bySku.values()].filter((entry) => entry.events.length > 0);
    for (const entry of changed) {
      this.states.remember({
        ...entry.loaded,
        version: entry.loaded.version + entry.events.length,
        snapshotVersion: this.snapshotVersionAfter(entry),
        lastEventId: entry.events[entry.events.length - 1]!.id,
      });
    }
    await appendToStreams(
      tx,
      changed.map((entry) => ({ streamId: streamIdOf(entry.loaded.sku), expectedVersion: entry.loaded.version, events: entry.events })),
    );
    await this.writeSnapshots(tx, changed.filter((entry) => this.snapshotDue(entry)));
    await upsertSkuLedgers(
      tx,
      changed.map((entry) => ({ sku: entry.loaded.sku, version: entry.loaded.version + entry.events.length, state: entry.loaded.state })),
    );
    const ledgers = changed.map((entry) => this.ledgerMessage(entry));
    for (const entry of changed) this.metrics.queueChanged(entry.loaded.sku, entry.loaded.state.queue.length, oldestWaitingSince(entry.loaded.state));
    await enqueue(tx, outboxMessagesOf(caused, ledgers));
    return rejections;
  }

  private decideOne(entry: SkuWork, sku: string, command: SkuCommand['command'], caused: CausedEvent[]): Rejection | null {
    const decision = decide(command, entry.loaded.state);
    if (decision.status === 'REJECTED') {
      this.logger.warn({ sku, input: command.metadata.inputId, command: command.type, code: decision.rejection.code, msg: decision.rejection.message });
      return decision.rejection;
    }
    // One metadata object for all events of the command: a reschedule decides one event per waiting line.
    const metadata = { causationId: command.metadata.inputId, now: command.metadata.now };
    decision.events.forEach((event, index) => {
      const eventId = deterministicId(command.metadata.inputId, sku, String(index));
      evolve(entry.loaded.state, event);
      entry.events.push({ id: eventId, type: event.type, data: event.data, metadata });
      caused.push({ eventId, sku, event, inputId: command.metadata.inputId, time: command.metadata.now });
    });
    if (decision.events.length > 0) entry.lastInput = { id: command.metadata.inputId, time: command.metadata.now };
    return null;
  }

  // A snapshot costs as much as the SKU has open lines, so a SKU with a long queue takes one only
  // after at least that many events: its cost per event stays constant, and catching up from it
  // never reads more events than the snapshot holds lines.
  private snapshotDue(entry: SkuWork): boolean {
    const interval = Math.max(SNAPSHOT_EVERY_EVENTS, entry.loaded.state.lines.size);
    return entry.loaded.snapshotVersion === 0 || entry.loaded.version + entry.events.length - entry.loaded.snapshotVersion >= interval;
  }

  private snapshotVersionAfter(entry: SkuWork): number {
    return this.snapshotDue(entry) ? entry.loaded.version + entry.events.length : entry.loaded.snapshotVersion;
  }

  private async writeSnapshots(tx: Queryable, entries: readonly SkuWork[]): Promise<void> {
    for (let start = 0; start < entries.length; start += SNAPSHOTS_PER_STATEMENT) await this.writeSnapshotRows(tx, entries.slice(start, start + SNAPSHOTS_PER_STATEMENT));
  }

  // Each snapshot is its own text parameter: pg sends it as it is, and PostgreSQL only checks it
  // (the column is json). An array parameter would be escaped element by element in JavaScript, and
  // one document of all rows is parsed once more to split it into rows.
  private async writeSnapshotRows(tx: Queryable, entries: readonly SkuWork[]): Promise<void> {
    if (entries.length === 0) return;
    const values = entries.map((_, index) => `($${3 * index + 1}, $${3 * index + 2}::integer, $${3 * index + 3}::json)`);
    const parameters = entries.flatMap((entry) => [entry.loaded.sku, entry.loaded.version + entry.events.length, JSON.stringify(snapshot(entry.loaded.state))]);
    await tx.query(
      `INSERT INTO sku_snapshots (sku, version, snapshot) VALUES ${values.join(', ')}
       ON CONFLICT (sku) DO UPDATE SET version = EXCLUDED.version, snapshot = EXCLUDED.snapshot, taken_at = now()`,
      parameters,
    );
  }

  private ledgerMessage(entry: SkuWork): OutboxMessage {
    const input = entry.lastInput!;
    return ledgerFact(entry.loaded.sku, ledger(entry.loaded.state), oldestWaitingSince(entry.loaded.state), input.id, input.time);
  }
}
