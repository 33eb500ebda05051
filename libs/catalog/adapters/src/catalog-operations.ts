import { createTablesLike, Projection, StoredEvent, tableChecksumSql } from '@restock/event-store';
import { ServiceOperations } from '@restock/platform';
import { ProductEvent } from '@restock/catalog-domain';
import { projectProductEvents } from './products-read-model';
import { PRODUCT_STREAM_PREFIX } from './product-commands';

const PRODUCT_COLUMNS = [
  'sku',
  'name',
  'backorderable',
  'max_backorder_days',
  'lead_time_days',
  'on_limit_exceeded',
  'status',
  'defined_at',
  'discontinued_at',
  'version',
] as const;

function isProductEvent(stored: StoredEvent): boolean {
  return stored.streamId.startsWith(PRODUCT_STREAM_PREFIX) && (stored.type === 'ProductDefined' || stored.type === 'ProductDiscontinued');
}

/** `products`: one row per SKU with its current policy and status, from the product streams. */
export const PRODUCTS_PROJECTION: Projection = {
  name: 'products',
  service: 'catalog',
  tables: ['products'],
  createShadow: (tx, suffix) => createTablesLike(tx, ['products'], suffix),
  apply: (tx, events, suffix) =>
    projectProductEvents(
      tx,
      events.filter(isProductEvent).map((stored) => ({ event: { type: stored.type, data: stored.data } as ProductEvent, version: stored.version })),
      `products${suffix}`,
    ),
  checksumSql: (table, suffix) => tableChecksumSql(table + suffix, PRODUCT_COLUMNS),
};

/** The catalog consumes no topic; its only read model is `products`. */
export const CATALOG_OPERATIONS: ServiceOperations = {
  service: 'catalog',
  projections: [PRODUCTS_PROJECTION],
  consumedTopics: [],
};
