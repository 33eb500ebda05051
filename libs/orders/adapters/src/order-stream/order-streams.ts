import { deterministicId } from '@restock/contracts';
import { appendToStreams, Queryable, StreamAppend } from '@restock/event-store';
import { evolve, initialState, OrderEvent, OrderState } from '@restock/orders-domain';

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
  type: string;
  data: unknown;
}

/** Loads every given order's stream in one query and folds each into its state. */
export async function loadOrders(tx: Queryable, orderIds: readonly string[]): Promise<Map<string, LoadedOrder>> {
  const unique = [...new Set(orderIds)];
  const result = await tx.query<EventRow>(
    'SELECT stream_id, version, type, data FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version',
    [unique.map(streamIdOf)],
  );
  const byStream = new Map<string, EventRow[]>();
  for (const row of result.rows) {
    const rows = byStream.get(row.stream_id);
    if (rows === undefined) byStream.set(row.stream_id, [row]);
    else rows.push(row);
  }
  return new Map(
    unique.map((orderId) => {
      const rows = byStream.get(streamIdOf(orderId)) ?? [];
      const state = rows.reduce<OrderState>((current, row) => evolve(current, { type: row.type, data: row.data } as OrderEvent), initialState());
      const loadedVersion = rows.length === 0 ? 0 : rows[rows.length - 1]!.version;
      return [orderId, { orderId, loadedVersion, loadedState: state, state, decided: [] }];
    }),
  );
}

/** Appends what the batch decided, every order against the version it was loaded at, in one call. */
export async function appendDecided(tx: Queryable, orders: readonly LoadedOrder[]): Promise<void> {
  const appends: StreamAppend[] = orders
    .filter((order) => order.decided.length > 0)
    .map((order) => ({
      streamId: streamIdOf(order.orderId),
      expectedVersion: order.loadedVersion,
      events: order.decided.map(({ inputId, event }, index) => ({
        // The same input deciding the same events on a retry gives the same ids.
        id: deterministicId(inputId, streamIdOf(order.orderId), String(order.loadedVersion + index + 1)),
        type: event.type,
        data: event.data,
        metadata: { causationId: inputId },
      })),
    }));
  await appendToStreams(tx, appends);
}
