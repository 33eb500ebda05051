import { assertIdentifier, prepared, Queryable, runPrepared } from '@restock/event-store';
import { PurchaseOrderLine, RecordedReceipt, SupplyEvent, SupplyState } from '@restock/supplier-receipts-domain';

export const SUPPLY_STREAM_PREFIX = 'sku-supply:';

export function streamIdOf(sku: string): string {
  return `${SUPPLY_STREAM_PREFIX}${sku}`;
}

/** A read-model table of this service; `suffix` names a replay's shadow copy ('' is the live one). */
function tableName(table: 'purchase_order_lines' | 'purchase_order_line_reschedules' | 'goods_receipts', suffix: string): string {
  return assertIdentifier(table + suffix);
}

export interface LoadedSupply {
  readonly version: number;
  readonly state: SupplyState;
}

interface LineRow {
  purchase_order_id: string;
  sku: string;
  supplier_id: string;
  ordered_quantity: number;
  placed_expected_at: string;
  expected_at: string;
  received_quantity: string | number;
  remaining_quantity: number;
  status: 'OPEN' | 'CANCELLED';
  cancelled_at: string | null;
}

interface ReceiptRow {
  receipt_id: string;
  sku: string;
  warehouse_id: string;
  quantity: number;
  received_at: string;
  purchase_order_id: string | null;
}

function lineOf(row: LineRow): PurchaseOrderLine {
  const facts = {
    purchaseOrderId: row.purchase_order_id,
    sku: row.sku,
    supplierId: row.supplier_id,
    orderedQuantity: row.ordered_quantity,
    placedExpectedAt: row.placed_expected_at,
    expectedAt: row.expected_at,
    receivedQuantity: Number(row.received_quantity),
    remainingQuantity: row.remaining_quantity,
  };
  return row.status === 'CANCELLED' ? { ...facts, status: 'CANCELLED', cancelledAt: row.cancelled_at ?? '' } : { ...facts, status: 'OPEN' };
}

function receiptOf(row: ReceiptRow): RecordedReceipt {
  return {
    receiptId: row.receipt_id,
    sku: row.sku,
    warehouseId: row.warehouse_id,
    quantity: row.quantity,
    receivedAt: row.received_at,
    purchaseOrderId: row.purchase_order_id,
  };
}

/**
 * Loads, in one query, each SKU's stream version with the lines and receipts the batch names. The
 * rows are written in the same transaction as the stream, so they are the state at that version.
 */
export async function loadSupplies(
  tx: Queryable,
  skus: readonly string[],
  purchaseOrderIds: readonly string[],
  receiptIds: readonly string[],
  suffix = '',
): Promise<Map<string, LoadedSupply>> {
  const result = await runPrepared<{ sku: string; version: number; lines: LineRow[]; receipts: ReceiptRow[] }>(
    tx,
    prepared(
      `restock_load_supplies${suffix}`,
      `SELECT k.sku,
         COALESCE((SELECT version FROM streams WHERE stream_id = 'sku-supply:' || k.sku), 0) AS version,
         COALESCE((SELECT json_agg(l) FROM ${tableName('purchase_order_lines', suffix)} l WHERE l.sku = k.sku AND l.purchase_order_id = ANY($2::text[])), '[]') AS lines,
         COALESCE((SELECT json_agg(r) FROM ${tableName('goods_receipts', suffix)} r WHERE r.sku = k.sku AND r.receipt_id = ANY($3::text[])), '[]') AS receipts
       FROM unnest($1::text[]) AS k(sku)`,
    ),
    [skus, purchaseOrderIds, receiptIds],
  );
  return new Map(
    result.rows.map((row) => [
      row.sku,
      {
        version: row.version,
        state: {
          lines: new Map(row.lines.map((line) => [line.purchase_order_id, lineOf(line)])),
          receipts: new Map(row.receipts.map((receipt) => [receipt.receipt_id, receiptOf(receipt)])),
        },
      },
    ]),
  );
}

/** Writes the lines as they now are, one statement for all of them. */
export async function saveLines(tx: Queryable, lines: readonly { line: PurchaseOrderLine; placedAt: string | null }[], suffix = ''): Promise<void> {
  if (lines.length === 0) return;
  const column = <T>(pick: (entry: { line: PurchaseOrderLine; placedAt: string | null }) => T): T[] => lines.map(pick);
  await tx.query(
    `INSERT INTO ${tableName('purchase_order_lines', suffix)} (purchase_order_id, sku, supplier_id, ordered_quantity, placed_expected_at, expected_at,
       received_quantity, remaining_quantity, status, placed_at, cancelled_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::text[], $10::text[], $11::text[])
     ON CONFLICT (purchase_order_id, sku) DO UPDATE SET
       expected_at = EXCLUDED.expected_at, received_quantity = EXCLUDED.received_quantity,
       remaining_quantity = EXCLUDED.remaining_quantity, status = EXCLUDED.status, cancelled_at = EXCLUDED.cancelled_at`,
    [
      column((e) => e.line.purchaseOrderId),
      column((e) => e.line.sku),
      column((e) => e.line.supplierId),
      column((e) => e.line.orderedQuantity),
      column((e) => e.line.placedExpectedAt),
      column((e) => e.line.expectedAt),
      column((e) => e.line.receivedQuantity),
      column((e) => e.line.remainingQuantity),
      column((e) => e.line.status),
      // Only a new line has a placement time; an existing row keeps its own.
      column((e) => e.placedAt ?? ''),
      column((e) => (e.line.status === 'CANCELLED' ? e.line.cancelledAt : null)),
    ],
  );
}

/** Appends the reschedule history and the receipts of a batch, one statement each. */
export async function recordHistory(tx: Queryable, events: readonly { id: string; event: SupplyEvent }[], suffix = ''): Promise<void> {
  const reschedules = events.flatMap(({ id, event }) => (event.type === 'SupplyRescheduled' ? [{ id, data: event.data }] : []));
  const receipts = events.flatMap(({ event }) => (event.type === 'SupplyReceived' ? [event.data] : []));
  if (reschedules.length > 0) {
    await tx.query(
      `INSERT INTO ${tableName('purchase_order_line_reschedules', suffix)} (event_id, purchase_order_id, sku, previous_expected_at, expected_at, reason, rescheduled_at)
       SELECT e, p, s, pe, ea, r, ra
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(e, p, s, pe, ea, r, ra, n)
       ORDER BY n`,
      [
        reschedules.map((r) => r.id),
        reschedules.map((r) => r.data.purchaseOrderId),
        reschedules.map((r) => r.data.sku),
        reschedules.map((r) => r.data.previousExpectedAt),
        reschedules.map((r) => r.data.expectedAt),
        reschedules.map((r) => r.data.reason),
        reschedules.map((r) => r.data.rescheduledAt),
      ],
    );
  }
  if (receipts.length > 0) {
    await tx.query(
      `INSERT INTO ${tableName('goods_receipts', suffix)} (sku, receipt_id, warehouse_id, quantity, received_at, purchase_order_id, pipeline_reduction, unplanned)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::int[], $8::boolean[])`,
      [
        receipts.map((r) => r.sku),
        receipts.map((r) => r.receiptId),
        receipts.map((r) => r.warehouseId),
        receipts.map((r) => r.quantity),
        receipts.map((r) => r.receivedAt),
        receipts.map((r) => r.purchaseOrderId),
        receipts.map((r) => r.pipelineReduction),
        receipts.map((r) => r.unplanned),
      ],
    );
  }
}
