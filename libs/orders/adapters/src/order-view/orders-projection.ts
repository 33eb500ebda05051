import { createTablesLike, Projection, Queryable, readStream, StoredEvent, tableChecksumSql } from '@restock/event-store';
import { evolve, initialState, OrderEvent, OrderState } from '@restock/orders-domain';
import { ORDER_STREAM_PREFIX, streamIdOf } from '../order-stream/order-streams';
import { projectOrders } from './orders-read-model';

/** Order states a replay keeps between batches; beyond this many it starts over from the event store. */
export const REPLAY_ORDERS_CACHED_MAX = 10_000;

const ORDERS_TABLES = ['orders', 'order_lines'] as const;

const COLUMNS: Readonly<Record<(typeof ORDERS_TABLES)[number], readonly string[]>> = {
  orders: ['order_id', 'customer_id', 'placed_at', 'status', 'version'],
  order_lines: [
    'order_id',
    'line_id',
    'position',
    'sku',
    'quantity',
    'allocated_quantity',
    'backordered_quantity',
    'rejected_quantity',
    'shipped_quantity',
    'cancelled_quantity',
    'eta',
    'eta_confidence',
  ],
};

interface ReplayedOrder {
  readonly state: OrderState;
  readonly version: number;
}

interface PendingChange {
  readonly before: OrderState;
  after: OrderState;
  version: number;
  readonly events: OrderEvent[];
}

function orderIdOf(stored: StoredEvent): string | null {
  return stored.streamId.startsWith(ORDER_STREAM_PREFIX) ? stored.streamId.slice(ORDER_STREAM_PREFIX.length) : null;
}

function isOrdersTable(table: string): table is (typeof ORDERS_TABLES)[number] {
  return (ORDERS_TABLES as readonly string[]).includes(table);
}

/**
 * `orders` and `order_lines`: one row set per order stream, written by the live path's statements
 * from the order's state before and after the batch's events (the history of customer updates is
 * read from the streams themselves, findOrder). The states are cached between batches; an order
 * not cached (a restart, or more orders than the cache holds) is folded again from its stream up
 * to where the replay stands.
 */
export class OrdersProjection implements Projection {
  readonly name = 'orders';
  readonly service = 'orders';
  readonly tables = ORDERS_TABLES;
  private readonly states = new Map<string, ReplayedOrder>();

  async createShadow(tx: Queryable, suffix: string): Promise<void> {
    this.states.clear();
    await createTablesLike(tx, this.tables, suffix);
  }

  async apply(tx: Queryable, events: readonly StoredEvent[], suffix: string): Promise<void> {
    const changes = new Map<string, PendingChange>();
    for (const stored of events) {
      const orderId = orderIdOf(stored);
      if (orderId === null) continue;
      let change = changes.get(orderId);
      if (change === undefined) {
        const replayed = await this.stateBefore(tx, orderId, stored.version);
        change = { before: replayed.state, after: replayed.state, version: replayed.version, events: [] };
        changes.set(orderId, change);
      }
      if (stored.version !== change.version + 1) throw new Error(`replay of ${stored.streamId} skipped from version ${change.version} to ${stored.version}`);
      const event = { type: stored.type, data: stored.data } as OrderEvent;
      change.after = evolve(change.after, event);
      change.version = stored.version;
      change.events.push(event);
    }
    if (this.states.size + changes.size > REPLAY_ORDERS_CACHED_MAX) this.states.clear();
    for (const [orderId, change] of changes) this.states.set(orderId, { state: change.after, version: change.version });
    await projectOrders(tx, [...changes.values()], suffix);
  }

  checksumSql(table: string, suffix: string): string {
    if (!isOrdersTable(table)) throw new Error(`orders has no read model ${table}`);
    return tableChecksumSql(table + suffix, COLUMNS[table]);
  }

  private async stateBefore(tx: Queryable, orderId: string, version: number): Promise<ReplayedOrder> {
    const cached = this.states.get(orderId);
    if (cached && cached.version === version - 1) return cached;
    let state = initialState();
    for (const stored of await readStream(tx, streamIdOf(orderId))) {
      if (stored.version >= version) break;
      state = evolve(state, { type: stored.type, data: stored.data } as OrderEvent);
    }
    return { state, version: version - 1 };
  }
}
