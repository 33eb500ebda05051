import { SKU_LEDGER_CHANGED, SkuLedgerChanged } from '@restock/contracts';
import { Queryable } from '@restock/event-store';

/**
 * Keeps the saga's latest ledger figures per SKU (allocated units and backorder queue depth). The
 * topic is keyed by SKU, so its order is the order of the changes: the last one wins, even when
 * its changedAt (the time of the input that caused it) is earlier than a change before it.
 */
export async function projectSkuLedgerChanges(tx: Queryable, events: readonly { readonly type: string }[]): Promise<void> {
  const latest = new Map<string, SkuLedgerChanged['data']>();
  for (const event of events) {
    if (event.type !== SKU_LEDGER_CHANGED) continue;
    const { data } = event as SkuLedgerChanged;
    latest.set(data.sku, data);
  }
  if (latest.size === 0) return;
  const rows = [...latest.values()];
  await tx.query(
    `INSERT INTO sku_ledger (sku, allocated, queue_depth, oldest_backorder_accepted_at, changed_at)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::timestamptz[])
     ON CONFLICT (sku) DO UPDATE SET allocated = EXCLUDED.allocated, queue_depth = EXCLUDED.queue_depth,
       oldest_backorder_accepted_at = EXCLUDED.oldest_backorder_accepted_at, changed_at = EXCLUDED.changed_at`,
    [rows.map((r) => r.sku), rows.map((r) => r.allocated), rows.map((r) => r.queueDepth), rows.map((r) => r.oldestBackorderAcceptedAt), rows.map((r) => r.changedAt)],
  );
}
