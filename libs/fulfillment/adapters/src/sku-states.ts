import { Injectable } from '@nestjs/common';
import { Queryable, readStream } from '@restock/event-store';
import { evolve, FulfillmentEvent, FulfillmentSnapshot, FulfillmentState, initialState, restore } from '@restock/fulfillment-domain';

/** Events after the last snapshot beyond which a batch writes a new one. */
export const SNAPSHOT_EVERY_EVENTS = 2_000;

export interface LoadedSku {
  readonly sku: string;
  readonly state: FulfillmentState;
  /** The stream version `state` reflects. */
  readonly version: number;
  readonly snapshotVersion: number;
}

export const SKU_STREAM_PREFIX = 'sku-';

export function streamIdOf(sku: string): string {
  return `${SKU_STREAM_PREFIX}${sku}`;
}

/**
 * The SKU states this process holds in memory. Every use checks the stream version first: a state
 * another instance advanced is caught up from the events after the cached version, so the cache
 * never decides on stale state. A state being changed by an open transaction is not shared with
 * readers, and a failed transaction drops the states it touched.
 */
@Injectable()
export class SkuStates {
  private readonly cache = new Map<string, LoadedSku>();
  private readonly busy = new Map<string, Promise<void>>();

  /** Loads the SKUs for a decision inside `tx` (which holds their locks); one query when all are cached and current. */
  async loadForUpdate(tx: Queryable, skus: readonly string[]): Promise<Map<string, LoadedSku>> {
    const versions = await this.versionsOf(tx, skus);
    const loaded = new Map<string, LoadedSku>();
    const missing: string[] = [];
    for (const sku of skus) {
      const cached = this.cache.get(sku);
      const version = versions.get(sku) ?? 0;
      if (cached && cached.version === version) loaded.set(sku, cached);
      else if (cached && cached.version < version) loaded.set(sku, await this.catchUp(tx, cached, version));
      else missing.push(sku);
    }
    for (const entry of await this.loadFromSnapshots(tx, missing, versions)) loaded.set(entry.sku, entry);
    return loaded;
  }

  /** Marks SKUs as being changed until `done` settles; readers wait for it. */
  hold(skus: readonly string[], done: Promise<unknown>): void {
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    for (const sku of skus) this.busy.set(sku, settled);
    void settled.then(() => {
      for (const sku of skus) if (this.busy.get(sku) === settled) this.busy.delete(sku);
    });
  }

  remember(entry: LoadedSku): void {
    this.cache.set(entry.sku, entry);
  }

  forget(skus: readonly string[]): void {
    for (const sku of skus) this.cache.delete(sku);
  }

  /** The committed state of a SKU for a read (HTTP), or null when the SKU has no stream. */
  async read(q: Queryable, sku: string): Promise<LoadedSku | null> {
    await this.busy.get(sku);
    const [entry] = [...(await this.loadForUpdate(q, [sku])).values()];
    if (!entry || entry.version === 0) return null;
    if (!this.busy.has(sku)) this.remember(entry);
    return entry;
  }

  private async versionsOf(q: Queryable, skus: readonly string[]): Promise<Map<string, number>> {
    const result = await q.query<{ stream_id: string; version: number }>('SELECT stream_id, version FROM streams WHERE stream_id = ANY($1::text[])', [
      skus.map(streamIdOf),
    ]);
    return new Map(result.rows.map((row) => [row.stream_id.slice(SKU_STREAM_PREFIX.length), row.version]));
  }

  private async catchUp(q: Queryable, entry: LoadedSku, version: number): Promise<LoadedSku> {
    const events = await readStream(q, streamIdOf(entry.sku), entry.version);
    let state = entry.state;
    for (const stored of events) state = evolve(state, { type: stored.type, data: stored.data } as FulfillmentEvent);
    return { sku: entry.sku, state, version: events.length > 0 ? events[events.length - 1]!.version : version, snapshotVersion: entry.snapshotVersion };
  }

  private async loadFromSnapshots(q: Queryable, skus: readonly string[], versions: Map<string, number>): Promise<LoadedSku[]> {
    if (skus.length === 0) return [];
    const result = await q.query<{ sku: string; version: number; snapshot: FulfillmentSnapshot }>(
      'SELECT sku, version, snapshot FROM sku_snapshots WHERE sku = ANY($1::text[])',
      [skus],
    );
    const snapshots = new Map(result.rows.map((row) => [row.sku, row]));
    const loaded: LoadedSku[] = [];
    for (const sku of skus) {
      const saved = snapshots.get(sku);
      const base: LoadedSku = saved
        ? { sku, state: restore(saved.snapshot), version: saved.version, snapshotVersion: saved.version }
        : { sku, state: initialState(sku), version: 0, snapshotVersion: 0 };
      const version = versions.get(sku) ?? 0;
      loaded.push(version > base.version ? await this.catchUp(q, base, version) : base);
    }
    return loaded;
  }
}
