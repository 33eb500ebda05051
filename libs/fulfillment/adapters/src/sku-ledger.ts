import { assertIdentifier, prepared, Queryable, runPrepared } from '@restock/event-store';
import { FulfillmentState, headWaitingSince, ledger } from '@restock/fulfillment-domain';

/** One `sku_ledger` row: a SKU's stock figures after the event at `version`. */
export interface SkuLedgerRow {
  readonly sku: string;
  readonly version: number;
  readonly state: FulfillmentState;
}

/** The columns that follow from the events; `updated_at` is when the row was written. */
export const SKU_LEDGER_COLUMNS = ['sku', 'version', 'on_hand', 'allocated', 'queue_depth', 'backordered_quantity', 'oldest_backorder_at'] as const;

export function oldestWaitingSince(state: FulfillmentState): string | null {
  return headWaitingSince(state);
}

/** Writes the ledger rows of the SKUs in one statement; `table` lets a replay write its shadow copy. */
export async function upsertSkuLedgers(tx: Queryable, rows: readonly SkuLedgerRow[], table = 'sku_ledger'): Promise<void> {
  if (rows.length === 0) return;
  const figures = rows.map((row) => ({ row, ledger: ledger(row.state), oldest: oldestWaitingSince(row.state) }));
  await runPrepared(
    tx,
    prepared(
      `restock_upsert_${table}`,
      `INSERT INTO ${assertIdentifier(table)} (sku, version, on_hand, allocated, queue_depth, backordered_quantity, oldest_backorder_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::timestamptz[])
       ON CONFLICT (sku) DO UPDATE SET version = EXCLUDED.version, on_hand = EXCLUDED.on_hand, allocated = EXCLUDED.allocated,
         queue_depth = EXCLUDED.queue_depth, backordered_quantity = EXCLUDED.backordered_quantity,
         oldest_backorder_at = EXCLUDED.oldest_backorder_at, updated_at = now()`,
    ),
    [
      figures.map((entry) => entry.row.sku),
      figures.map((entry) => entry.row.version),
      figures.map((entry) => entry.ledger.onHand),
      figures.map((entry) => entry.ledger.allocated),
      figures.map((entry) => entry.ledger.queueDepth),
      figures.map((entry) => entry.ledger.backorderedQuantity),
      figures.map((entry) => entry.oldest),
    ],
  );
}
