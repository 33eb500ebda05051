import { migratedDatabase } from '@restock/testing';
import { FULFILLMENT_MIGRATIONS } from './migrations';

describe('the sku_ledger table', () => {
  const database = migratedDatabase('sku_ledger', 'fulfillment', FULFILLMENT_MIGRATIONS);

  // Nearly every saga batch moves a SKU's queue; an index over queue_depth made each of those updates write new index entries.
  it("takes an update of a SKU's figures, its queue depth included, as a heap-only tuple", async () => {
    await database.db.query(`INSERT INTO sku_ledger (sku, version, on_hand, allocated, queue_depth, backordered_quantity) VALUES ('A', 1, 0, 0, 0, 0)`);
    const hotUpdates = await database.db.transaction(async (tx) => {
      await tx.query(`UPDATE sku_ledger SET version = 2, queue_depth = 3, backordered_quantity = 7, oldest_backorder_at = now(), updated_at = now() WHERE sku = 'A'`);
      const counts = await tx.query<{ updated: string; hot: string }>(
        `SELECT pg_stat_get_xact_tuples_updated('sku_ledger'::regclass) AS updated, pg_stat_get_xact_tuples_hot_updated('sku_ledger'::regclass) AS hot`,
      );
      return counts.rows[0]!;
    });
    expect(hotUpdates).toEqual({ updated: '1', hot: '1' });
  });
});
