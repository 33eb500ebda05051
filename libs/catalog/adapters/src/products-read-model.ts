import { assertIdentifier, Queryable } from '@restock/event-store';
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

interface ProductRecord {
  sku: string;
  name: string;
  backorderable: boolean;
  max_backorder_days: number;
  lead_time_days: number | null;
  on_limit_exceeded: string;
  status: 'ACTIVE' | 'DISCONTINUED';
  defined_at: string | Date;
  discontinued_at: string | Date | null;
  version: number;
}

/** One event on a product's row: a definition keeps the status, a discontinuation of no row changes nothing. */
function applyToRecord(record: ProductRecord | undefined, event: ProductEvent, version: number): ProductRecord | undefined {
  switch (event.type) {
    case 'ProductDefined': {
      const { sku, policy, definedAt } = event.data;
      return {
        sku,
        name: policy.name,
        backorderable: policy.backorderable,
        max_backorder_days: policy.maxBackorderDays,
        lead_time_days: policy.leadTimeDays,
        on_limit_exceeded: policy.onLimitExceeded,
        status: record?.status ?? 'ACTIVE',
        defined_at: definedAt,
        discontinued_at: record?.discontinued_at ?? null,
        version,
      };
    }
    case 'ProductDiscontinued':
      return record === undefined ? undefined : { ...record, status: 'DISCONTINUED', discontinued_at: event.data.discontinuedAt, version };
    default: {
      const unknown: never = event;
      throw new Error(`unknown product event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Applies product events to the `products` read model (the same code serves live writes and
 * replays): the rows of the SKUs concerned are read in one query, the events folded into them in
 * order, and the results written in one statement, however many events a replay batch holds.
 */
export async function projectProductEvents(tx: Queryable, events: readonly { event: ProductEvent; version: number }[], table = 'products'): Promise<void> {
  if (events.length === 0) return;
  const skus = [...new Set(events.map(({ event }) => event.data.sku))];
  const current = await tx.query<ProductRecord>(`SELECT * FROM ${assertIdentifier(table)} WHERE sku = ANY($1::text[])`, [skus]);
  const records = new Map<string, ProductRecord>(current.rows.map((row) => [row.sku, row]));
  const changed = new Set<string>();
  for (const { event, version } of events) {
    const next = applyToRecord(records.get(event.data.sku), event, version);
    if (next === undefined) continue;
    records.set(next.sku, next);
    changed.add(next.sku);
  }
  if (changed.size === 0) return;
  await tx.query(
    `INSERT INTO ${assertIdentifier(table)} (sku, name, backorderable, max_backorder_days, lead_time_days, on_limit_exceeded, status, defined_at, discontinued_at, version)
     SELECT * FROM json_to_recordset($1::json) AS r(sku text, name text, backorderable boolean, max_backorder_days integer, lead_time_days integer,
       on_limit_exceeded text, status text, defined_at timestamptz, discontinued_at timestamptz, version integer)
     ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, backorderable = EXCLUDED.backorderable,
       max_backorder_days = EXCLUDED.max_backorder_days, lead_time_days = EXCLUDED.lead_time_days,
       on_limit_exceeded = EXCLUDED.on_limit_exceeded, status = EXCLUDED.status, defined_at = EXCLUDED.defined_at,
       discontinued_at = EXCLUDED.discontinued_at, version = EXCLUDED.version`,
    [JSON.stringify([...changed].map((sku) => records.get(sku)))],
  );
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
