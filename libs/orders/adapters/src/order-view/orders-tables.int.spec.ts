import { migratedDatabase } from '@restock/testing';
import { ORDERS_MIGRATIONS } from '../migrations';

describe("the orders schema's updated tables", () => {
  const database = migratedDatabase('orders_tables', 'orders', ORDERS_MIGRATIONS);

  /** Whether updating one row of a page that inserts filled stays on that page (a heap-only tuple). */
  async function updateIsHeapOnly(table: string, insert: string, update: string): Promise<boolean> {
    await database.db.query(insert);
    return database.db.transaction(async (tx) => {
      await tx.query(update);
      const counts = await tx.query<{ updated: string; hot: string }>(
        `SELECT pg_stat_get_xact_tuples_updated($1::regclass) AS updated, pg_stat_get_xact_tuples_hot_updated($1::regclass) AS hot`,
        [table],
      );
      expect(counts.rows[0]!.updated).toBe('1');
      return counts.rows[0]!.hot === '1';
    });
  }

  // Rows of one size fill a page to its fill factor: at 100 % none fits after the last, so the update's new version would have to move.
  it('leaves room on a page that inserts filled for an order line, its order and its stream head to be updated in place', async () => {
    expect(
      await updateIsHeapOnly(
        'order_lines',
        `INSERT INTO order_lines SELECT 'order-' || lpad(g::text, 6, '0'), 'L1', 0, 'SKU-000001', 2, 0, 2, 0, 0, 0, '2026-12-05', 'CONFIRMED' FROM generate_series(1, 500) g`,
        `UPDATE order_lines SET allocated_quantity = 2, backordered_quantity = 0 WHERE order_id = 'order-000001'`,
      ),
    ).toBe(true);
    expect(
      await updateIsHeapOnly(
        'orders',
        `INSERT INTO orders SELECT 'order-' || lpad(g::text, 6, '0'), 'customer-1', '2026-12-01T10:00:00Z', 'PENDING', 1 FROM generate_series(1, 500) g`,
        `UPDATE orders SET status = 'ALLOCATED', version = 2 WHERE order_id = 'order-000001'`,
      ),
    ).toBe(true);
    expect(
      await updateIsHeapOnly(
        'streams',
        `INSERT INTO streams (stream_id, version) SELECT 'order-' || lpad(g::text, 6, '0'), 1 FROM generate_series(1, 500) g`,
        `UPDATE streams SET version = 2 WHERE stream_id = 'order-000001'`,
      ),
    ).toBe(true);
  });
});
