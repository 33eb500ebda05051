import { Queryable } from '@restock/event-store';

export interface InventoryView {
  readonly sku: string;
  readonly onHand: number;
  readonly allocated: number;
  readonly atp: number;
  readonly queueDepth: number;
  readonly pipeline: readonly { readonly purchaseOrderId: string; readonly remainingQuantity: number; readonly expectedAt: string }[];
  /** Null while nothing can be planned: no lead time known, or the product is discontinued. */
  readonly reorderPoint: number | null;
  readonly safetyStock: number | null;
  readonly warehouses: readonly { readonly warehouseId: string; readonly onHand: number }[];
}

interface InventoryRow {
  known: boolean;
  warehouses: { warehouseId: string; onHand: string | number }[];
  pipeline: { purchaseOrderId: string; remainingQuantity: number; expectedAt: string }[];
  allocated: string | null;
  queue_depth: number | null;
  reorder_point: number | null;
  safety_stock: number | null;
}

/** A SKU's stock, pipeline, ledger and replenishment figures in one query; null when no fact about it was ever seen. */
export async function findInventory(q: Queryable, sku: string): Promise<InventoryView | null> {
  const result = await q.query<InventoryRow>(
    `SELECT
       EXISTS (SELECT 1 FROM warehouse_stock WHERE sku = $1) OR EXISTS (SELECT 1 FROM supply_pipeline WHERE sku = $1)
         OR EXISTS (SELECT 1 FROM sku_ledger WHERE sku = $1) OR EXISTS (SELECT 1 FROM replenishment WHERE sku = $1) AS known,
       COALESCE((SELECT json_agg(json_build_object('warehouseId', warehouse_id, 'onHand', on_hand) ORDER BY warehouse_id)
                 FROM warehouse_stock WHERE sku = $1), '[]') AS warehouses,
       COALESCE((SELECT json_agg(json_build_object('purchaseOrderId', purchase_order_id, 'remainingQuantity', remaining_quantity, 'expectedAt', expected_at)
                                 ORDER BY expected_at::timestamptz, purchase_order_id)
                 FROM supply_pipeline WHERE sku = $1 AND status = 'OPEN' AND remaining_quantity > 0), '[]') AS pipeline,
       (SELECT allocated FROM sku_ledger WHERE sku = $1) AS allocated,
       (SELECT queue_depth FROM sku_ledger WHERE sku = $1) AS queue_depth,
       (SELECT reorder_point FROM replenishment WHERE sku = $1) AS reorder_point,
       (SELECT safety_stock FROM replenishment WHERE sku = $1) AS safety_stock`,
    [sku],
  );
  const row = result.rows[0]!;
  if (!row.known) return null;
  const warehouses = row.warehouses.map((w) => ({ warehouseId: w.warehouseId, onHand: Number(w.onHand) }));
  const onHand = warehouses.reduce((sum, w) => sum + w.onHand, 0);
  const allocated = Number(row.allocated ?? 0);
  return {
    sku,
    onHand,
    allocated,
    atp: onHand - allocated,
    queueDepth: row.queue_depth ?? 0,
    pipeline: row.pipeline,
    reorderPoint: row.reorder_point,
    safetyStock: row.safety_stock,
    warehouses,
  };
}
