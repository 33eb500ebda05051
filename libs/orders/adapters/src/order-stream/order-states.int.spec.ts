import { Database, Queryable, runMigrations } from '@restock/event-store';
import { evolve, initialState, LineDecision, OrderCommand, OrderEvent, OrderState } from '@restock/orders-domain';
import { createTestDatabase, TestDatabase } from '@restock/testing';
import { randomUUID } from 'node:crypto';
import { ORDERS_MIGRATIONS } from '../migrations';
import { runOrderCommands } from './order-batch';
import { OrderStates } from './order-states';
import { loadOrders, streamIdOf } from './order-streams';

const NOW = '2026-12-01T10:00:05Z';

function placeOrder(orderId: string, lineIds: readonly string[]): OrderCommand {
  return {
    type: 'PlaceOrder',
    data: { orderId, customerId: 'c-1', placedAt: '2026-12-01T10:00:00Z', lines: lineIds.map((lineId) => ({ lineId, sku: `SKU-${lineId}`, quantity: 2 })) },
    metadata: { inputId: `place-${orderId}`, now: NOW },
  };
}

function decided(orderId: string, lineId: string, inputId = `decided-${orderId}-${lineId}`, allocated = 0): OrderCommand {
  const data: LineDecision = {
    orderId,
    lineId,
    sku: `SKU-${lineId}`,
    quantity: 2,
    status: allocated === 2 ? 'ALLOCATED' : 'BACKORDERED',
    allocatedQuantity: allocated,
    backorderedQuantity: 2 - allocated,
    rejectedQuantity: 0,
    rejectionReason: null,
    eta: '2026-12-20',
    etaConfidence: 'ESTIMATED',
    acceptedAt: '2026-12-01T10:00:00Z',
    deadline: null,
  };
  return { type: 'RecordLineFact', data: { type: 'LineDecided', data }, metadata: { inputId, now: NOW } };
}

function inputsOf(...commands: OrderCommand[]) {
  return commands.map((command) => ({ inputId: command.metadata.inputId, command }));
}

describe('order states cached between batches', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase('order_states');
    await runMigrations(testDb.url, 'orders', [...ORDERS_MIGRATIONS]);
    db = new Database(testDb.url, 'orders');
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  async function storedState(orderId: string): Promise<{ state: OrderState; version: number }> {
    const rows = await db.query<{ type: string; data: unknown; version: number }>('SELECT type, data, version FROM events WHERE stream_id = $1 ORDER BY version', [streamIdOf(orderId)]);
    const state = rows.rows.reduce<OrderState>((current, row) => evolve(current, { type: row.type, data: row.data } as OrderEvent), initialState());
    return { state, version: rows.rows.length };
  }

  function run(cache: OrderStates, ...commands: OrderCommand[]) {
    return db.transaction((tx) => runOrderCommands(tx, inputsOf(...commands), cache));
  }

  it('keeps the state a batch decided, equal to the fold of its stream, for the next batch', async () => {
    const orderId = `O-${randomUUID()}`;
    const cache = new OrderStates();
    await run(cache, placeOrder(orderId, ['1', '2']));
    await run(cache, decided(orderId, '1'));
    await run(cache, decided(orderId, '2'));
    const stored = await storedState(orderId);
    expect(stored.state.status).toBe('ACKNOWLEDGED');
    expect(cache.get(orderId)).toEqual({ state: stored.state, version: stored.version, lastEventId: expect.any(String) });
  });

  it('does not trust a state stored by a transaction that rolled back', async () => {
    const orderId = `O-${randomUUID()}`;
    const cache = new OrderStates();
    await run(cache, placeOrder(orderId, ['1', '2']));
    await expect(
      db.transaction(async (tx) => {
        await runOrderCommands(tx, inputsOf(decided(orderId, '1')), cache);
        throw new Error('the batch failed after deciding');
      }),
    ).rejects.toThrow('the batch failed after deciding');
    // The cache holds line 1 as decided; the store does not. Deciding line 2 alone must not
    // acknowledge the order, as it would on the rolled-back state.
    await run(cache, decided(orderId, '2'));
    const stored = await storedState(orderId);
    expect(stored.state.status).toBe('AWAITING_DECISIONS');
    expect(cache.get(orderId)?.state).toEqual(stored.state);
  });

  it('reads a stream again that another writer moved on, even to the same version', async () => {
    const orderId = `O-${randomUUID()}`;
    const mine = new OrderStates();
    const theirs = new OrderStates();
    await run(mine, placeOrder(orderId, ['1', '2']));
    // Another instance decides line 1, then this one's state is as old as the version before.
    await run(theirs, decided(orderId, '1'));
    await run(mine, decided(orderId, '2'));
    expect((await storedState(orderId)).state.status).toBe('ACKNOWLEDGED');

    // Same version, other history: a rolled-back decision of line 1 cached here (backordered), line
    // 1 decided by another input elsewhere (allocated).
    const other = `O-${randomUUID()}`;
    await run(mine, placeOrder(other, ['1', '2']));
    await db
      .transaction(async (tx) => {
        await runOrderCommands(tx, inputsOf(decided(other, '1', 'first-try')), mine);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await run(theirs, decided(other, '1', 'second-try', 2));
    const before = await storedState(other);
    expect(mine.get(other)?.version).toBe(before.version);
    await run(mine, decided(other, '2'));
    const after = await storedState(other);
    expect(mine.get(other)).toEqual({ state: after.state, version: after.version, lastEventId: expect.any(String) });
    const causes = await db.query<{ causation: string }>("SELECT metadata->>'causationId' AS causation FROM events WHERE stream_id = $1 ORDER BY version", [streamIdOf(other)]);
    expect(causes.rows.map((row) => row.causation)).toContain('second-try');
    expect(causes.rows.map((row) => row.causation)).not.toContain('first-try');
  });

  it('uses an entry checked against its head even when a batch of the other topic evicts it meanwhile', async () => {
    // Both consumers of the process share the cache. While one batch waits for its orders' stream
    // heads, the other may store orders and push these out; the checked entries are still good.
    const orderId = `O-${randomUUID()}`;
    const cache = new OrderStates();
    await run(cache, placeOrder(orderId, ['1', '2']));
    const placed = cache.get(orderId)!;
    const loaded = await db.transaction(async (tx) => {
      const evictingWhileQuerying: Queryable = {
        query: (sql, params) => {
          cache.drop(orderId);
          return tx.query(sql, params as unknown[]);
        },
      };
      return loadOrders(evictingWhileQuerying, [orderId], cache);
    });
    expect(loaded.get(orderId)?.loadedState).toEqual(placed.state);
    expect(loaded.get(orderId)?.loadedVersion).toBe((await storedState(orderId)).version);
  });

  it('holds at most its size, dropping the least recently stored orders', () => {
    const cache = new OrderStates(2);
    const entry = { state: initialState(), version: 0, lastEventId: null };
    cache.store('a', entry);
    cache.store('b', entry);
    cache.store('a', entry);
    cache.store('c', entry);
    expect([cache.size, cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([2, entry, undefined, entry]);
  });
});
