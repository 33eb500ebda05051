import { Injectable, Logger } from '@nestjs/common';
import { deterministicId } from '@restock/contracts';
import { appendToStreams, enqueue, NewEvent, OutboxMessage, Queryable } from '@restock/event-store';
import { backorderQueue, decide, evolve, ledger, snapshot } from '@restock/fulfillment-domain';
import { CausedEvent, factsOf, ledgerFact } from './fulfillment-facts';
import { SkuCommand } from './saga-inputs';
import { LoadedSku, SNAPSHOT_EVERY_EVENTS, SkuStates, streamIdOf } from './sku-states';

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

  constructor(private readonly states: SkuStates) {}

  async process(tx: Queryable, commands: readonly SkuCommand[]): Promise<void> {
    if (commands.length === 0) return;
    const skus = [...new Set(commands.map((entry) => entry.sku))];
    const work = this.run(tx, skus, commands);
    this.states.hold(skus, work);
    await work;
  }

  private async run(tx: Queryable, skus: readonly string[], commands: readonly SkuCommand[]): Promise<void> {
    const loaded = await this.states.loadForUpdate(tx, skus);
    const bySku = new Map<string, SkuWork>(skus.map((sku) => [sku, { loaded: loaded.get(sku)!, events: [], lastInput: null }]));
    const caused: CausedEvent[] = [];
    try {
      for (const { sku, command } of commands) this.decideOne(bySku.get(sku)!, sku, command, caused);
    } catch (error) {
      // evolve changes the cached state in place: a half-applied batch must not stay cached.
      this.states.forget(skus);
      throw error;
    }
    const changed = [...bySku.values()].filter((entry) => entry.events.length > 0);
    for (const entry of changed) {
      this.states.remember({ ...entry.loaded, version: entry.loaded.version + entry.events.length, snapshotVersion: this.snapshotVersionAfter(entry) });
    }
    await appendToStreams(
      tx,
      changed.map((entry) => ({ streamId: streamIdOf(entry.loaded.sku), expectedVersion: entry.loaded.version, events: entry.events })),
    );
    await this.writeSnapshots(tx, changed.filter((entry) => this.snapshotDue(entry)));
    await this.writeLedgers(tx, changed);
    const ledgers = changed.map((entry) => this.ledgerMessage(entry));
    const messages: OutboxMessage[] = [...factsOf(caused), ...ledgers];
    await enqueue(tx, messages);
  }

  private decideOne(entry: SkuWork, sku: string, command: SkuCommand['command'], caused: CausedEvent[]): void {
    const decision = decide(command, entry.loaded.state);
    if (decision.status === 'REJECTED') {
      this.logger.warn({ sku, input: command.metadata.inputId, command: command.type, code: decision.rejection.code, msg: decision.rejection.message });
      return;
    }
    decision.events.forEach((event, index) => {
      const eventId = deterministicId(command.metadata.inputId, sku, String(index));
      evolve(entry.loaded.state, event);
      entry.events.push({ id: eventId, type: event.type, data: event.data, metadata: { causationId: command.metadata.inputId, now: command.metadata.now } });
      caused.push({ eventId, sku, event, inputId: command.metadata.inputId, time: command.metadata.now });
    });
    if (decision.events.length > 0) entry.lastInput = { id: command.metadata.inputId, time: command.metadata.now };
  }

  private snapshotDue(entry: SkuWork): boolean {
    return entry.loaded.snapshotVersion === 0 || entry.loaded.version + entry.events.length - entry.loaded.snapshotVersion >= SNAPSHOT_EVERY_EVENTS;
  }

  private snapshotVersionAfter(entry: SkuWork): number {
    return this.snapshotDue(entry) ? entry.loaded.version + entry.events.length : entry.loaded.snapshotVersion;
  }

  private async writeSnapshots(tx: Queryable, entries: readonly SkuWork[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO sku_snapshots (sku, version, snapshot)
       SELECT * FROM unnest($1::text[], $2::int[], $3::jsonb[])
       ON CONFLICT (sku) DO UPDATE SET version = EXCLUDED.version, snapshot = EXCLUDED.snapshot, taken_at = now()`,
      [
        entries.map((entry) => entry.loaded.sku),
        entries.map((entry) => entry.loaded.version + entry.events.length),
        entries.map((entry) => JSON.stringify(snapshot(entry.loaded.state))),
      ],
    );
  }

  private async writeLedgers(tx: Queryable, entries: readonly SkuWork[]): Promise<void> {
    const rows = entries.map((entry) => ({ sku: entry.loaded.sku, version: entry.loaded.version + entry.events.length, ledger: ledger(entry.loaded.state), oldest: this.oldestWaitingSince(entry) }));
    await tx.query(
      `INSERT INTO sku_ledger (sku, version, on_hand, allocated, queue_depth, backordered_quantity, oldest_backorder_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::timestamptz[])
       ON CONFLICT (sku) DO UPDATE SET version = EXCLUDED.version, on_hand = EXCLUDED.on_hand, allocated = EXCLUDED.allocated,
         queue_depth = EXCLUDED.queue_depth, backordered_quantity = EXCLUDED.backordered_quantity,
         oldest_backorder_at = EXCLUDED.oldest_backorder_at, updated_at = now()`,
      [
        rows.map((row) => row.sku),
        rows.map((row) => row.version),
        rows.map((row) => row.ledger.onHand),
        rows.map((row) => row.ledger.allocated),
        rows.map((row) => row.ledger.queueDepth),
        rows.map((row) => row.ledger.backorderedQuantity),
        rows.map((row) => row.oldest),
      ],
    );
  }

  private oldestWaitingSince(entry: SkuWork): string | null {
    return backorderQueue(entry.loaded.state)[0]?.acceptedAt ?? null;
  }

  private ledgerMessage(entry: SkuWork): OutboxMessage {
    const input = entry.lastInput!;
    return ledgerFact(entry.loaded.sku, ledger(entry.loaded.state), this.oldestWaitingSince(entry), input.id, input.time);
  }
}
