import { TOPICS } from '@restock/contracts';
import { createTablesLike, Projection, Queryable, readStream, StoredEvent, tableChecksumSql } from '@restock/event-store';
import { ServiceOperations } from '@restock/platform';
import { evolve, FulfillmentEvent, FulfillmentState, initialState } from '@restock/fulfillment-domain';
import { SKU_LEDGER_COLUMNS, SkuLedgerRow, upsertSkuLedgers } from './sku-ledger';
import { SKU_STREAM_PREFIX, streamIdOf } from './sku-states';

/** SKU states a replay keeps between batches; beyond this many it starts over from the event store. */
export const REPLAY_STATES_CACHED_MAX = 10_000;

interface ReplayedSku {
  readonly state: FulfillmentState;
  version: number;
}

function skuOf(stored: StoredEvent): string | null {
  return stored.streamId.startsWith(SKU_STREAM_PREFIX) ? stored.streamId.slice(SKU_STREAM_PREFIX.length) : null;
}

function evolveStored(state: FulfillmentState, stored: StoredEvent): FulfillmentState {
  return evolve(state, { type: stored.type, data: stored.data } as FulfillmentEvent);
}

/**
 * `sku_ledger`: per SKU, on hand, allocated, queue depth, backordered quantity and the oldest
 * waiting line, as of the SKU's stream version. It is rebuilt by folding each SKU stream from its
 * first event; the states are cached between batches, and a SKU not cached (a restart, or more
 * SKUs than the cache holds) is folded again from the event store up to where the replay stands.
 */
export class SkuLedgerProjection implements Projection {
  readonly name = 'sku_ledger';
  readonly service = 'fulfillment';
  readonly tables = ['sku_ledger'];
  private readonly states = new Map<string, ReplayedSku>();

  async createShadow(tx: Queryable, suffix: string): Promise<void> {
    this.states.clear();
    await createTablesLike(tx, this.tables, suffix);
  }

  async apply(tx: Queryable, events: readonly StoredEvent[], suffix: string): Promise<void> {
    const touched = new Map<string, ReplayedSku>();
    for (const stored of events) {
      const sku = skuOf(stored);
      if (sku === null) continue;
      const replayed = touched.get(sku) ?? (await this.stateBefore(tx, sku, stored.version));
      if (stored.version !== replayed.version + 1) throw new Error(`replay of ${stored.streamId} skipped from version ${replayed.version} to ${stored.version}`);
      evolveStored(replayed.state, stored);
      replayed.version = stored.version;
      touched.set(sku, replayed);
    }
    if (this.states.size + touched.size > REPLAY_STATES_CACHED_MAX) this.states.clear();
    for (const [sku, replayed] of touched) this.states.set(sku, replayed);
    const rows: SkuLedgerRow[] = [...touched.entries()].map(([sku, replayed]) => ({ sku, version: replayed.version, state: replayed.state }));
    await upsertSkuLedgers(tx, rows, `sku_ledger${suffix}`);
  }

  checksumSql(table: string, suffix: string): string {
    return tableChecksumSql(table + suffix, SKU_LEDGER_COLUMNS);
  }

  private async stateBefore(tx: Queryable, sku: string, version: number): Promise<ReplayedSku> {
    const cached = this.states.get(sku);
    if (cached && cached.version === version - 1) return cached;
    // A stream's first event has nothing before it: reading the stream would fetch all of it for nothing.
    if (version === 1) return { state: initialState(sku), version: 0 };
    let state = initialState(sku);
    const history = await readStream(tx, streamIdOf(sku));
    for (const stored of history) {
      if (stored.version >= version) break;
      state = evolveStored(state, stored);
    }
    return { state, version: version - 1 };
  }
}

/**
 * The fulfillment saga's read models: `sku_ledger` is a projection and is rebuilt by replay.
 * `sku_snapshots` is a cache of SKU states (any row may be deleted; the state is then folded from
 * the events), so replay leaves it alone; availability and backorders are read from the SKU state.
 */
export function fulfillmentOperations(): ServiceOperations {
  return {
    service: 'fulfillment',
    projections: [new SkuLedgerProjection()],
    consumedTopics: [TOPICS.catalogEvents, TOPICS.orderEvents, TOPICS.supplyEvents, TOPICS.inventoryEvents],
  };
}
