import { Queryable } from '@restock/event-store';
import { ProductEvent } from '@restock/catalog-domain';

export interface ProductView {
  readonly sku: string;
  readonly name: string;
  readonly backorderable: boolean;
  readonly maxBackorderDays: number;
  readonly leadTimeDays: number | null;
  readonly onLimitExceeded: 'CANCEL' | 'NOTIFY';
  readonly status: 'ACTIVE' | 'DISCONTINUED';
  readonly definedAt: string;
  readonly discontinuedAt: string | null;
  readonly version: number;
}

/** Applies product events to the `products` read model (the same code serves live writes and replays). */
export async function projectProductEvents(tx: Queryable, events: readonly { event: ProductEvent; version: number }[], table = 'products'): Promise<void> {
  for (const { event, version } of events) {
    switch (event.type) {
      case 'ProductDefined': {
        const { sku, policy, definedAt } = event.data;
        await tx.query(
          `INSERT INTO ${table} (sku, name, backorderable, max_backorder_days, lead_time_days, on_limit_exceeded, status, defined_at, version)
           VALUES ($1, $2, $3, $4, $5, $6, 'ACTIVE', $7, $8)
           ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, backorderable = EXCLUDED.backorderable,
             max_backorder_days = EXCLUDED.max_backorder_days, lead_time_days = EXCLUDED.lead_time_days,
             on_limit_exceeded = EXCLUDED.on_limit_exceeded, defined_at = EXCLUDED.defined_at, version = EXCLUDED.version`,
          [sku, policy.name, policy.backorderable, policy.maxBackorderDays, policy.leadTimeDays, policy.onLimitExceeded, definedAt, version],
        );
        break;
      }
      case 'ProductDiscontinued':
        await tx.query(`UPDATE ${table} SET status = 'DISCONTINUED', discontinued_at = $2, version = $3 WHERE sku = $1`, [
          event.data.sku,
          event.data.discontinuedAt,
          version,
        ]);
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown product event ${JSON.stringify(unknown)}`);
      }
    }
  }
}

interface ProductRow {
  sku: string;
  name: string;
  backorderable: boolean;
  max_backorder_days: number;
  lead_time_days: number | null;
  on_limit_exceeded: 'CANCEL' | 'NOTIFY';
  status: 'ACTIVE' | 'DISCONTINUED';
  defined_at: Date;
  discontinued_at: Date | null;
  version: number;
}

export async function findProduct(q: Queryable, sku: string): Promise<ProductView | null> {
  const result = await q.query<ProductRow>('SELECT * FROM products WHERE sku = $1', [sku]);
  const row = result.rows[0];
  if (!row) return null;
  return {
    sku: row.sku,
    name: row.name,
    backorderable: row.backorderable,
    maxBackorderDays: row.max_backorder_days,
    leadTimeDays: row.lead_time_days,
    onLimitExceeded: row.on_limit_exceeded,
    status: row.status,
    definedAt: row.defined_at.toISOString(),
    discontinuedAt: row.discontinued_at?.toISOString() ?? null,
    version: row.version,
  };
}
