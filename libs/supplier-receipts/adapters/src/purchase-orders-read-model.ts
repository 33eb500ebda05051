import { Queryable } from '@restock/event-store';

export interface RescheduleView {
  readonly previousExpectedAt: string;
  readonly expectedAt: string;
  readonly reason: string | null;
  readonly rescheduledAt: string;
}

export interface PurchaseOrderLineView {
  readonly sku: string;
  readonly supplierId: string;
  readonly orderedQuantity: number;
  readonly receivedQuantity: number;
  readonly remainingQuantity: number;
  readonly expectedAt: string;
  /** RECEIVED once nothing remains; a cancelled line stays CANCELLED. */
  readonly status: 'OPEN' | 'RECEIVED' | 'CANCELLED';
  readonly placedAt: string;
  readonly cancelledAt: string | null;
  readonly reschedules: readonly RescheduleView[];
}

export interface PurchaseOrderView {
  readonly purchaseOrderId: string;
  readonly lines: readonly PurchaseOrderLineView[];
}

interface LineViewRow {
  sku: string;
  supplier_id: string;
  ordered_quantity: number;
  received_quantity: string;
  remaining_quantity: number;
  placed_expected_at: string;
  expected_at: string;
  status: 'OPEN' | 'CANCELLED';
  placed_at: string;
  cancelled_at: string | null;
  reschedules: { previous_expected_at: string; expected_at: string; reason: string | null; rescheduled_at: string }[];
}

export async function findPurchaseOrder(q: Queryable, purchaseOrderId: string): Promise<PurchaseOrderView | null> {
  const result = await q.query<LineViewRow>(
    `SELECT l.*,
       COALESCE((SELECT json_agg(r ORDER BY r.sequence) FROM purchase_order_line_reschedules r
                 WHERE r.purchase_order_id = l.purchase_order_id AND r.sku = l.sku), '[]') AS reschedules
     FROM purchase_order_lines l WHERE l.purchase_order_id = $1 ORDER BY l.sku`,
    [purchaseOrderId],
  );
  if (result.rows.length === 0) return null;
  return {
    purchaseOrderId,
    lines: result.rows.map((row) => ({
      sku: row.sku,
      supplierId: row.supplier_id,
      orderedQuantity: row.ordered_quantity,
      receivedQuantity: Number(row.received_quantity),
      remainingQuantity: row.remaining_quantity,
      expectedAt: row.expected_at,
      status: row.status === 'CANCELLED' ? 'CANCELLED' : row.remaining_quantity === 0 ? 'RECEIVED' : 'OPEN',
      placedAt: row.placed_at,
      cancelledAt: row.cancelled_at,
      reschedules: row.reschedules.map((r) => ({ previousExpectedAt: r.previous_expected_at, expectedAt: r.expected_at, reason: r.reason, rescheduledAt: r.rescheduled_at })),
    })),
  };
}

export interface LinePlacement {
  readonly supplierId: string;
  readonly orderedQuantity: number;
  readonly placedExpectedAt: string;
  readonly status: 'OPEN' | 'CANCELLED';
}

export async function findLinePlacement(q: Queryable, purchaseOrderId: string, sku: string): Promise<LinePlacement | null> {
  const result = await q.query<{ supplier_id: string; ordered_quantity: number; placed_expected_at: string; status: 'OPEN' | 'CANCELLED' }>(
    'SELECT supplier_id, ordered_quantity, placed_expected_at, status FROM purchase_order_lines WHERE purchase_order_id = $1 AND sku = $2',
    [purchaseOrderId, sku],
  );
  const row = result.rows[0];
  return row ? { supplierId: row.supplier_id, orderedQuantity: row.ordered_quantity, placedExpectedAt: row.placed_expected_at, status: row.status } : null;
}
