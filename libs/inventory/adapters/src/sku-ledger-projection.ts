import { deterministicId, SkuLedgerChanged } from '@restock/contracts';
import { assertIdentifier, Queryable, StoredEvent } from '@restock/event-store';
import { ConsumedInput } from '@restock/messaging';
import { appendFacts, eventsOfStreams } from './recorded-facts';

/**
 * Every ledger change of the saga is recorded on the SKU's ledger stream before it moves
 * `sku_ledger`, so the table can be rebuilt from this service's own event store.
 */
export const LEDGER_STREAM_PREFIX = 'sku-ledger:';
export const SKU_LEDGER_CHANGE_RECORDED = 'SkuLedgerChangeRecorded';

export type SkuLedgerFigures = SkuLedgerChanged['data'];

/**
 * Keeps the saga's latest ledger figures per SKU (allocated units, waiting lines and units). The
 * topic is keyed by SKU, so its order is the order of the changes: the last one wins, even when
 * its changedAt (the time of the input that caused it) is earlier than a change before it.
 * `table` lets a replay write its shadow copy.
 */
export async function projectSkuLedgerChanges(tx: Queryable, changes: readonly SkuLedgerFigures[], table = 'sku_ledger'): Promise<void> {
  const latest = new Map<string, SkuLedgerFigures>();
  for (const change of changes) latest.set(change.sku, change);
  if (latest.size === 0) return;
  const rows = [...latest.values()];
  await tx.query(
    `INSERT INTO ${assertIdentifier(table)} (sku, allocated, queue_depth, backordered_quantity, oldest_backorder_accepted_at, changed_at)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[], $5::text[], $6::timestamptz[])
     ON CONFLICT (sku) DO UPDATE SET allocated = EXCLUDED.allocated, queue_depth = EXCLUDED.queue_depth,
       backordered_quantity = EXCLUDED.backordered_quantity,
       oldest_backorder_accepted_at = EXCLUDED.oldest_backorder_accepted_at, changed_at = EXCLUDED.changed_at`,
    [
      rows.map((r) => r.sku),
      rows.map((r) => r.allocated),
      rows.map((r) => r.queueDepth),
      // Absent from changes recorded before the ledger carried it.
      rows.map((r) => r.backorderedQuantity ?? 0),
      rows.map((r) => r.oldestBackorderAcceptedAt),
      rows.map((r) => r.changedAt),
    ],
  );
}

/**
 * Records the batch's ledger changes on their SKUs' ledger streams and updates `sku_ledger`, in the
 * consumer's transaction, and answers them in order. The saga's facts about order lines are the
 * orders service's business: the ledger carries what planning needs of them.
 */
export async function recordSkuLedgerChanges(tx: Queryable, inputs: readonly ConsumedInput[]): Promise<SkuLedgerFigures[]> {
  // The topic carries nothing else: its contract refuses other types.
  const figures = inputs.map((input) => (input.event as SkuLedgerChanged).data);
  await appendFacts(
    tx,
    LEDGER_STREAM_PREFIX,
    inputs.map((input, index) => ({
      sku: figures[index]!.sku,
      event: {
        id: deterministicId(input.event.id, SKU_LEDGER_CHANGE_RECORDED),
        type: SKU_LEDGER_CHANGE_RECORDED,
        data: figures[index]!,
        metadata: { causationId: input.event.id, now: input.event.time },
      },
    })),
  );
  await projectSkuLedgerChanges(tx, figures);
  return figures;
}

/** The ledger changes recorded among stored events, in their order. */
export function recordedSkuLedgerChanges(events: readonly StoredEvent[]): SkuLedgerFigures[] {
  return eventsOfStreams(events, LEDGER_STREAM_PREFIX, SKU_LEDGER_CHANGE_RECORDED).map((stored) => stored.data as SkuLedgerFigures);
}
