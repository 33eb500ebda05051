import { appendToStreams, NewEvent, Queryable, StoredEvent } from '@restock/event-store';

/** A fact another service published, recorded as an event on one of this service's SKU streams. */
export interface FactToRecord {
  readonly sku: string;
  readonly event: NewEvent;
}

/**
 * Appends facts to the streams `<prefix><sku>`, every stream against the version it has now, with
 * one query for the versions and one append. The consumer holds the SKUs' locks (the topics are
 * keyed by SKU), so a conflict only comes from a writer that did not take them, and is retried.
 */
export async function appendFacts(tx: Queryable, streamPrefix: string, facts: readonly FactToRecord[]): Promise<void> {
  if (facts.length === 0) return;
  const bySku = new Map<string, NewEvent[]>();
  for (const fact of facts) {
    const events = bySku.get(fact.sku);
    if (events) events.push(fact.event);
    else bySku.set(fact.sku, [fact.event]);
  }
  const versions = await tx.query<{ sku: string; version: number }>(
    `SELECT k.sku, COALESCE((SELECT version FROM streams WHERE stream_id = $2 || k.sku), 0) AS version
     FROM unnest($1::text[]) AS k(sku)`,
    [[...bySku.keys()], streamPrefix],
  );
  await appendToStreams(
    tx,
    versions.rows.map((row) => ({ streamId: streamPrefix + row.sku, expectedVersion: row.version, events: bySku.get(row.sku)! })),
  );
}

/** The events of the streams `<prefix>*` of the given type, in the order given. */
export function eventsOfStreams(events: readonly StoredEvent[], streamPrefix: string, type: string): StoredEvent[] {
  return events.filter((stored) => stored.streamId.startsWith(streamPrefix) && stored.type === type);
}
