import { deterministicId } from '@restock/contracts';
import { appendToStreams, Queryable, readStreamHeads, StreamAppend } from '@restock/event-store';
import { evolve, initialState, OrderEvent, OrderState } from '@restock/orders-domain';
import { CachedOrder, OrderStates } from './order-states';

export const ORDER_STREAM_PREFIX = 'order-';

export function streamIdOf(orderId: string): string {
  return `${ORDER_STREAM_PREFIX}${orderId}`;
}

/** An order as loaded for one batch, with the events the batch decided for it. */
export interface LoadedOrder {
  readonly orderId: string;
  readonly loadedVersion: number;
  readonly loadedState: OrderState;
  state: OrderState;
  readonly decided: { readonly inputId: string; readonly event: OrderEvent }[];
}

interface EventRow {
  stream_id: string;
  version: number;
  event_id: string;
  type: string;
  data: unknown;
}

/**
 * The cached states of the given orders that are still current: their stream's head, read in this
 * transaction (after the batch took its orders' locks), is the version and event they were stored at.
 */
async function currentCachedOrders(tx: Queryable, orderIds: readonly string[], cache: OrderStates): Promise<Map<string, CachedOrder>> {
  // Taken before the head query: while it runs, the other topic's batch may store orders and evict these.
  const known = orderIds.flatMap((orderId) => {
    const cached = cache.get(orderId);
    return cached === undefined ? [] : [{ orderId, cached }];
  });
  const current = new Map<string, CachedOrder>();
  if (known.length === 0) return current;
  const heads = await readStreamHeads(
    tx,
    known.map(({ orderId }) => streamIdOf(orderId)),
  );
  for (const { orderId, cached } of known) {
    const head = heads.get(streamIdOf(orderId)) ?? { version: 0, lastEventId: null };
    if (head.version === cached.version && head.lastEventId === cached.lastEventId) current.set(orderId, cached);
    else if (cache.get(orderId) === cached) cache.drop(orderId);
  }
  return current;
}

/**
 * Loads every given order's state: from the cache when it is still current, the others' streams in
 * one query, folded. Every state loaded from the events goes into the cache.
 */
export async function loadOrders(tx: Queryable, orderIds: readonly string[], cache: OrderStates): Promise<Map<string, LoadedOrder>> {
  const unique = [...new Set(orderIds)];
  const cached = await currentCachedOrders(tx, unique, cache);
  const toRead = unique.filter((orderId) => !cached.has(orderId));
  const byStream = new Map<string, EventRow[]>();
  if (toRead.length > 0) {
    const result = await tx.query<EventRow>(
      'SELECT stream_id, version, event_id, type, data FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version',
      [toRead.map(streamIdOf)],
    );
    for (const row of result.rows) {
      const rows = byStream.get(row.stream_id);
      if (rows === undefined) byStream.set(row.stream_id, [row]);
      else rows.push(row);
    }
  }
  return new Map(
    unique.map((orderId) => {
      let entry = cached.get(orderId);
      if (entry === undefined) {
        const rows = byStream.get(streamIdOf(orderId)) ?? [];
        const state = rows.reduce<OrderState>((current, row) => evolve(current, { type: row.type, data: row.data } as OrderEvent), initialState());
        const last = rows[rows.length - 1];
        entry = { state, version: last?.version ?? 0, lastEventId: last?.event_id ?? null };
        cache.store(orderId, entry);
      }
      return [orderId, { orderId, loadedVersion: entry.version, loadedState: entry.state, state: entry.state, decided: [] }];
    }),
  );
}

function eventIdOf(order: LoadedOrder, index: number): string {
  // The same input deciding the same events on a retry gives the same ids.
  return deterministicId(order.decided[index]!.inputId, streamIdOf(order.orderId), String(order.loadedVersion + index + 1));
}

/**
 * Appends what the batch decided, every order against the version it was loaded at, in one call,
 * and stores the decided states in the cache (checked again by the next batch, so a transaction
 * that rolls back leaves nothing a later batch would trust).
 */
export async function appendDecided(tx: Queryable, orders: readonly LoadedOrder[], cache: OrderStates): Promise<void> {
  const changed = orders.filter((order) => order.decided.length > 0);
  const appends: StreamAppend[] = changed.map((order) => ({
    streamId: streamIdOf(order.orderId),
    expectedVersion: order.loadedVersion,
    events: order.decided.map(({ inputId, event }, index) => ({
      id: eventIdOf(order, index),
      type: event.type,
      data: event.data,
      metadata: { causationId: inputId },
    })),
  }));
  await appendToStreams(tx, appends);
  for (const order of changed) {
    const last = order.decided.length - 1;
    cache.store(order.orderId, { state: order.state, version: order.loadedVersion + order.decided.length, lastEventId: eventIdOf(order, last) });
  }
}
