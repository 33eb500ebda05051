import { assertIdentifier, prepared, Queryable, runPrepared } from '@restock/event-store';
import { LineState, OrderEvent, OrderState, OrderStatus, orderStatus, updatesOf } from '@restock/orders-domain';
import { customerUpdateEvent } from '../order-stream/order-messages';
import { streamIdOf } from '../order-stream/order-streams';

/** An order as it changed in one batch: its state before and after, and the events in between. */
export interface OrderChange {
  readonly before: OrderState;
  readonly after: OrderState;
  readonly version: number;
  readonly events: readonly OrderEvent[];
}

export interface OrderLineView {
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly allocatedQuantity: number;
  readonly backorderedQuantity: number;
  readonly rejectedQuantity: number;
  readonly shippedQuantity: number;
  readonly cancelledQuantity: number;
  readonly eta: string | null;
  readonly etaConfidence: string | null;
}

export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly placedAt: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLineView[];
  /** Every customer update sent for the order, as the full CloudEvent, in the order it was sent. */
  readonly history: readonly unknown[];
}

function lineRow(orderId: string, line: LineState, position: number) {
  return {
    order_id: orderId,
    line_id: line.lineId,
    position,
    sku: line.sku,
    quantity: line.quantity,
    allocated_quantity: line.allocatedQuantity,
    backordered_quantity: line.backorderedQuantity,
    rejected_quantity: line.rejectedQuantity,
    shipped_quantity: line.shippedQuantity,
    cancelled_quantity: line.cancelledQuantity,
    eta: line.eta,
    eta_confidence: line.etaConfidence,
  };
}

// Evolve replaces only the lines that change, so an unchanged line keeps its object: only changed
// lines are written, which matters for orders of many lines.
function changedLines(change: OrderChange) {
  if (change.after.status === 'UNKNOWN') return [];
  const orderId = change.after.order.orderId;
  const before = change.before.status === 'UNKNOWN' ? [] : change.before.lines;
  return change.after.lines.flatMap((line, position) => (before[position] === line ? [] : [lineRow(orderId, line, position)]));
}

/**
 * Writes the orders and lines a batch changed, two multi-row statements in all. `suffix` names the
 * copy of the tables: '' live, `_rebuild` during a replay. The customer updates are not written
 * here: they are in the order's events already (findOrder).
 */
export async function projectOrders(tx: Queryable, changes: readonly OrderChange[], suffix = ''): Promise<void> {
  const orders = changes.flatMap((change) =>
    change.after.status === 'UNKNOWN'
      ? []
      : [{ order_id: change.after.order.orderId, customer_id: change.after.order.customerId, placed_at: change.after.order.placedAt, status: orderStatus(change.after), version: change.version }],
  );
  if (orders.length === 0) return;
  await runPrepared(
    tx,
    prepared(
      `restock_upsert_orders${suffix}`,
      `INSERT INTO ${assertIdentifier(`orders${suffix}`)} (order_id, customer_id, placed_at, status, version)
       SELECT * FROM json_to_recordset($1::json) AS r(order_id text, customer_id text, placed_at text, status text, version integer)
       ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version`,
    ),
    [JSON.stringify(orders)],
  );
  await upsertLines(tx, changes.flatMap(changedLines), suffix);
}

async function upsertLines(tx: Queryable, lines: readonly ReturnType<typeof lineRow>[], suffix: string): Promise<void> {
  if (lines.length === 0) return;
  await runPrepared(
    tx,
    prepared(
      `restock_upsert_order_lines${suffix}`,
      `INSERT INTO ${assertIdentifier(`order_lines${suffix}`)} (order_id, line_id, position, sku, quantity, allocated_quantity, backordered_quantity,
         rejected_quantity, shipped_quantity, cancelled_quantity, eta, eta_confidence)
       SELECT * FROM json_to_recordset($1::json) AS r(order_id text, line_id text, position integer, sku text, quantity integer,
         allocated_quantity integer, backordered_quantity integer, rejected_quantity integer, shipped_quantity integer,
         cancelled_quantity integer, eta text, eta_confidence text)
       ON CONFLICT (order_id, line_id) DO UPDATE SET allocated_quantity = EXCLUDED.allocated_quantity,
         backordered_quantity = EXCLUDED.backordered_quantity, rejected_quantity = EXCLUDED.rejected_quantity,
         shipped_quantity = EXCLUDED.shipped_quantity, cancelled_quantity = EXCLUDED.cancelled_quantity,
         eta = EXCLUDED.eta, eta_confidence = EXCLUDED.eta_confidence`,
    ),
    [JSON.stringify(lines)],
  );
}

interface OrderViewRow {
  order_id: string;
  customer_id: string;
  placed_at: string;
  status: OrderStatus;
  lines: ReturnType<typeof lineRow>[];
  events: OrderEvent[];
}

const FIND_ORDER = prepared(
  'restock_find_order',
  `SELECT o.order_id, o.customer_id, o.placed_at, o.status,
     (SELECT coalesce(json_agg(l ORDER BY l.position), '[]') FROM order_lines l WHERE l.order_id = o.order_id) AS lines,
     (SELECT coalesce(json_agg(json_build_object('type', e.type, 'data', e.data) ORDER BY e.version), '[]') FROM events e
       WHERE e.stream_id = $2 AND e.version <= o.version) AS events
   FROM orders o WHERE o.order_id = $1`,
);

/**
 * An order as `GET /orders/{orderId}` shows it. The history is read from the order's stream, up to
 * the version the read model stands at, in the same statement (one snapshot): every customer update
 * sent is in the event that issued it (updatesOf picks them out), in sending order, and becomes the
 * same CloudEvent the outbox sent (customerUpdateEvent).
 */
export async function findOrder(q: Queryable, orderId: string): Promise<OrderView | null> {
  const result = await runPrepared<OrderViewRow>(
    q,
    FIND_ORDER,
    [orderId, streamIdOf(orderId)],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    orderId: row.order_id,
    customerId: row.customer_id,
    placedAt: row.placed_at,
    status: row.status,
    lines: row.lines.map((line) => ({
      lineId: line.line_id,
      sku: line.sku,
      quantity: line.quantity,
      allocatedQuantity: line.allocated_quantity,
      backorderedQuantity: line.backordered_quantity,
      rejectedQuantity: line.rejected_quantity,
      shippedQuantity: line.shipped_quantity,
      cancelledQuantity: line.cancelled_quantity,
      eta: line.eta,
      etaConfidence: line.eta_confidence,
    })),
    history: row.events.flatMap(updatesOf).map(customerUpdateEvent),
  };
}
