import { Inject, Injectable, Optional } from '@nestjs/common';
import { Queryable, readStream, readStreamHeads, StreamHead } from '@restock/event-store';
import { evolve, FulfillmentEvent, FulfillmentState, initialState, restoreFrom, snapshotHead, snapshotLines } from '@restock/fulfillment-domain';
import { loadSnapshots } from './sku-snapshots';

/**
 * The most order lines the cached SKU states may hold together (about 360 bytes of heap each, so
 * about 54 MB). Past it the least recently stored SKUs are dropped and read again from their
 * snapshots when next needed, so a process that has seen many SKUs does not keep them all. The SKU
 * stored last always stays, however large. Sized for the service's 192 MB heap limit
 * (tools/stack/service-node-options.json): about 55 MB the process needs anyway, this, and room for a batch
 * that re-dates 100,000 lines.
 */
export const SKU_CACHE_LINES_MAX = 150_000;
export const SKU_CACHE_LINES_MAX_TOKEN = Symbol('SKU_CACHE_LINES_MAX');

/** FULFILLMENT_SKU_CACHE_LINES, when set, replaces SKU_CACHE_LINES_MAX; anything but a positive integer stops the start. */
export function skuCacheLinesMaxOf(value: string | undefined): number {
  if (value === undefined || value === '') return SKU_CACHE_LINES_MAX;
  const lines = Number(value);
  if (!Number.isSafeInteger(lines) || lines < 1) throw new Error(`FULFILLMENT_SKU_CACHE_LINES must be a positive integer, got ${JSON.stringify(value)}`);
  return lines;
}

/** How long after a check of a SKU's stream head reads of the SKU still take its answer (see SkuStates.read). */
export const READ_SHARED_MS = 10;
export const READ_SHARED_MS_TOKEN = Symbol('READ_SHARED_MS');

/** Events after the last snapshot beyond which a batch writes a new one. */
export const SNAPSHOT_EVERY_EVENTS = 2_000;

export interface LoadedSku {
  readonly sku: string;
  readonly state: FulfillmentState;
  /** The stream version `state` reflects. */
  readonly version: number;
  readonly snapshotVersion: number;
  /**
   * The id of the event at `version` (null at version 0 or when unknown). A state this instance
   * decided is cached before its transaction commits; if that transaction fails and another
   * instance commits as many events, the versions agree but the histories do not, and only the
   * event id tells them apart.
   */
  readonly lastEventId?: string | null;
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
  /** In order of last use, least recent first; `lines` is the line count when it was stored. */
  private readonly cache = new Map<string, { readonly entry: LoadedSku; readonly lines: number }>();
  private cachedLines = 0;
  private readonly busy = new Map<string, Promise<void>>();
  private readonly reading = new Map<string, Promise<LoadedSku | null>>();

  constructor(
    @Optional() @Inject(SKU_CACHE_LINES_MAX_TOKEN) private readonly linesMax: number = SKU_CACHE_LINES_MAX,
    @Optional() @Inject(READ_SHARED_MS_TOKEN) private readonly readSharedMs: number = READ_SHARED_MS,
  ) {}

  /** Cached SKUs and the order lines they held when stored (tests read it). */
  get size(): { readonly skus: number; readonly lines: number } {
    return { skus: this.cache.size, lines: this.cachedLines };
  }

  /** Loads the SKUs for a decision inside `tx` (which holds their locks); one query when all are cached and current. */
  async loadForUpdate(tx: Queryable, skus: readonly string[]): Promise<Map<string, LoadedSku>> {
    const heads = await this.headsOf(tx, skus);
    const versions = new Map([...heads].map(([sku, head]) => [sku, head.version]));
    const loaded = new Map<string, LoadedSku>();
    const missing: string[] = [];
    for (const sku of skus) {
      const cached = this.cache.get(sku)?.entry;
      const head = heads.get(sku) ?? { version: 0, lastEventId: null };
      const caughtUp = cached && cached.version <= head.version ? await this.catchUp(tx, cached, head) : null;
      if (caughtUp) loaded.set(sku, caughtUp);
      else missing.push(sku);
    }
    for (const entry of await this.loadFromSnapshots(tx, missing, versions)) loaded.set(entry.sku, { ...entry, lastEventId: heads.get(entry.sku)?.lastEventId ?? null });
    return loaded;
  }

  /** Marks SKUs as being changed until `done` settles; readers wait for it. */
  hold(skus: readonly string[], done: Promise<unknown>): void {
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    for (const sku of skus) {
      this.busy.set(sku, settled);
      this.reading.delete(sku);
    }
    void settled.then(() => {
      for (const sku of skus) if (this.busy.get(sku) === settled) this.busy.delete(sku);
    });
  }

  remember(entry: LoadedSku): void {
    this.drop(entry.sku);
    const lines = entry.state.lines.size;
    this.cache.set(entry.sku, { entry, lines });
    this.cachedLines += lines;
    for (const [sku] of this.cache) {
      if (this.cachedLines <= this.linesMax || sku === entry.sku) break;
      this.drop(sku);
    }
  }

  forget(skus: readonly string[]): void {
    for (const sku of skus) this.drop(sku);
  }

  private drop(sku: string): void {
    const cached = this.cache.get(sku);
    if (cached === undefined) return;
    this.cache.delete(sku);
    this.cachedLines -= cached.lines;
  }

  /**
   * The committed state of a SKU for a read (HTTP), or null when the SKU has no stream. Reads of
   * one SKU share one check of its stream head: those that arrive while it runs, and for
   * READ_SHARED_MS after it answered. A SKU the storefront asks about thousands of times a second
   * then costs at most one query per round trip plus READ_SHARED_MS, not one per request. A
   * decision of this process ends the sharing for its SKUs, so a read after it sees it; a change
   * by another instance is seen at most READ_SHARED_MS plus a round trip late.
   */
  read(q: Queryable, sku: string): Promise<LoadedSku | null> {
    const shared = this.reading.get(sku);
    if (shared) return shared;
    const read = this.readOnce(q, sku);
    this.reading.set(sku, read);
    const release = () => {
      if (this.reading.get(sku) === read) this.reading.delete(sku);
    };
    // A failed check is not shared beyond the reads already waiting on it.
    read.then(() => setTimeout(release, this.readSharedMs).unref(), release);
    return read;
  }

  private async readOnce(q: Queryable, sku: string): Promise<LoadedSku | null> {
    await this.busy.get(sku);
    const [entry] = [...(await this.loadForUpdate(q, [sku])).values()];
    if (!entry || entry.version === 0) return null;
    if (!this.busy.has(sku)) this.remember(entry);
    return entry;
  }

  private async headsOf(q: Queryable, skus: readonly string[]): Promise<Map<string, StreamHead>> {
    const heads = await readStreamHeads(q, skus.map(streamIdOf));
    return new Map([...heads].map(([streamId, head]) => [streamId.slice(SKU_STREAM_PREFIX.length), head]));
  }

  /**
   * The cached state brought up to the stream's head, or null when the cache cannot be trusted:
   * its last event is not the stored one at its version (it was decided in a transaction that
   * never committed). The events are applied to a copy, because evolve changes a state in place
   * and the cached object may be in use by a concurrent read or decision of this process.
   */
  private async catchUp(q: Queryable, entry: LoadedSku, head: StreamHead): Promise<LoadedSku | null> {
    if (entry.version === head.version) return entry.lastEventId === head.lastEventId ? entry : null;
    const events = await readStream(q, streamIdOf(entry.sku), Math.max(0, entry.version - 1));
    const [anchor, ...after] = entry.version === 0 ? [null, ...events] : events;
    if (entry.version > 0 && (anchor?.version !== entry.version || anchor.id !== entry.lastEventId)) return null;
    let state = restoreFrom(snapshotHead(entry.state), snapshotLines(entry.state));
    for (const stored of after) state = evolve(state, { type: stored!.type, data: stored!.data } as FulfillmentEvent);
    const last = after[after.length - 1];
    return { sku: entry.sku, state, version: last ? last.version : entry.version, snapshotVersion: entry.snapshotVersion, lastEventId: last ? last.id : entry.lastEventId };
  }

  private async loadFromSnapshots(q: Queryable, skus: readonly string[], versions: Map<string, number>): Promise<LoadedSku[]> {
    if (skus.length === 0) return [];
    const snapshots = new Map((await loadSnapshots(q, skus)).map((saved) => [saved.sku, saved]));
    const loaded: LoadedSku[] = [];
    for (const sku of skus) {
      const saved = snapshots.get(sku);
      const base: LoadedSku = saved
        ? { sku, state: saved.state, version: saved.version, snapshotVersion: saved.version }
        : { sku, state: initialState(sku), version: 0, snapshotVersion: 0 };
      const version = versions.get(sku) ?? 0;
      loaded.push(version > base.version ? await this.foldAfter(q, base) : base);
    }
    return loaded;
  }

  /** A state loaded from a snapshot (owned by this call) with the events after it applied. */
  private async foldAfter(q: Queryable, base: LoadedSku): Promise<LoadedSku> {
    const events = await readStream(q, streamIdOf(base.sku), base.version);
    let state = base.state;
    for (const stored of events) state = evolve(state, { type: stored.type, data: stored.data } as FulfillmentEvent);
    return { ...base, state, version: events.length > 0 ? events[events.length - 1]!.version : base.version };
  }
}
