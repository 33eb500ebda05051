import { SupplyEvent } from '@restock/contracts';
import { Queryable } from '@restock/event-store';

interface PipelineLine {
  readonly sku: string;
  readonly purchaseOrderId: string;
  readonly remainingQuantity: number;
  readonly expectedAt: string;
  readonly status: 'OPEN' | 'CANCELLED';
}

function keyOf(sku: string, purchaseOrderId: string): string {
  return JSON.stringify([sku, purchaseOrderId]);
}

/** The line as a supply event leaves it; null when the event does not concern a known line. */
function applySupplyEvent(line: PipelineLine | undefined, event: SupplyEvent): PipelineLine | null {
  switch (event.type) {
    case 'SupplyExpected': {
      const { sku, purchaseOrderId, remainingQuantity, expectedAt } = event.data;
      return { sku, purchaseOrderId, remainingQuantity, expectedAt, status: 'OPEN' };
    }
    case 'SupplyRescheduled': {
      // The event carries the whole open line, so a line missed so far is rebuilt from it.
      const { sku, purchaseOrderId, remainingQuantity, expectedAt } = event.data;
      return { sku, purchaseOrderId, remainingQuantity, expectedAt, status: line?.status ?? 'OPEN' };
    }
    case 'SupplyCancelled':
      return line === undefined ? null : { ...line, remainingQuantity: 0, status: 'CANCELLED' };
    case 'SupplyReceived':
      if (line === undefined || event.data.pipelineReduction === 0) return null;
      return { ...line, remainingQuantity: Math.max(0, line.remainingQuantity - event.data.pipelineReduction) };
    default: {
      const unknown: never = event;
      throw new Error(`unknown supply event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Keeps each SKU's supply pipeline (its purchase-order lines with what remains and when) from the
 * supplier-receipts service's events: one query loads the lines the batch names, the events are
 * applied in order in memory, one statement writes the lines back.
 */
export async function projectSupplyEvents(tx: Queryable, events: readonly SupplyEvent[]): Promise<void> {
  if (events.length === 0) return;
  const named = events.filter((event) => event.data.purchaseOrderId !== null);
  const loaded = await tx.query<{ sku: string; purchase_order_id: string; remaining_quantity: number; expected_at: string; status: 'OPEN' | 'CANCELLED' }>(
    `SELECT p.* FROM supply_pipeline p JOIN unnest($1::text[], $2::text[]) AS k(sku, purchase_order_id) USING (sku, purchase_order_id)`,
    [named.map((event) => event.data.sku), named.map((event) => event.data.purchaseOrderId)],
  );
  const lines = new Map<string, PipelineLine>(
    loaded.rows.map((row) => [
      keyOf(row.sku, row.purchase_order_id),
      { sku: row.sku, purchaseOrderId: row.purchase_order_id, remainingQuantity: row.remaining_quantity, expectedAt: row.expected_at, status: row.status },
    ]),
  );
  const changed = new Set<string>();
  for (const event of named) {
    const key = keyOf(event.data.sku, event.data.purchaseOrderId!);
    const line = applySupplyEvent(lines.get(key), event);
    if (line === null) continue;
    lines.set(key, line);
    changed.add(key);
  }
  const rows = [...changed].map((key) => lines.get(key)!);
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO supply_pipeline (sku, purchase_order_id, remaining_quantity, expected_at, status)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])
     ON CONFLICT (sku, purchase_order_id) DO UPDATE SET
       remaining_quantity = EXCLUDED.remaining_quantity, expected_at = EXCLUDED.expected_at, status = EXCLUDED.status`,
    [rows.map((r) => r.sku), rows.map((r) => r.purchaseOrderId), rows.map((r) => r.remainingQuantity), rows.map((r) => r.expectedAt), rows.map((r) => r.status)],
  );
}
