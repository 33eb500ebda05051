import { StreamHead } from '@restock/event-store';
import { OrderState } from '@restock/orders-domain';

/**
 * The most orders whose states the cache keeps. An order's state is well under 2 KB of heap, so
 * this bounds the cache near 40 MB. Orders are decided in bursts: placed, then a fact per line from
 * the saga within seconds. At 3,000 lines a second this holds the last 15 or so seconds of orders.
 */
export const ORDER_CACHE_ORDERS_MAX = 20_000;

/** An order's state and the stream head it was folded to (see readStreamHeads for why both parts). */
export interface CachedOrder extends StreamHead {
  readonly state: OrderState;
}

/**
 * Order states this process decided or loaded lately, so a batch of the saga's facts need not read
 * every order's stream again. Whoever uses an entry checks it against the stream's head in its own
 * transaction first (see loadOrders): an entry another writer moved past, or one from a transaction
 * that rolled back, is read again from the events. Entries are immutable states, never changed in
 * place. The least recently stored orders go first once the cache is full. One per process, shared
 * by the consumers of both topics (a Nest provider made by a factory, see OrdersModule).
 */
export class OrderStates {
  private readonly entries = new Map<string, CachedOrder>();

  constructor(private readonly ordersMax: number = ORDER_CACHE_ORDERS_MAX) {}

  get size(): number {
    return this.entries.size;
  }

  get(orderId: string): CachedOrder | undefined {
    return this.entries.get(orderId);
  }

  store(orderId: string, entry: CachedOrder): void {
    this.entries.delete(orderId);
    this.entries.set(orderId, entry);
    while (this.entries.size > this.ordersMax) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  drop(orderId: string): void {
    this.entries.delete(orderId);
  }
}
