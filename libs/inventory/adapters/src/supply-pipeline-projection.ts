import { deterministicId, SupplyEvent } from '@restock/contracts';
import { assertIdentifier, Queryable, StoredEvent } from '@restock/event-store';
import { ConsumedInput } from '@restock/messaging';
import { appendFacts, eventsOfStreams } from './recorded-facts';

/**
 * Every supply fact about a purchase-order line is recorded on the SKU's pipeline stream before it
 * moves `supply_pipeline`, so the table can be rebuilt from this service's own event store.
 */
export const PIPELINE_STREAM_PREFIX = 'sku-pipeline:';
export const SUPPLY_FACT_RECORDED = 'SupplyFactRecorded';

/** A supply event without its envelope: what the pipeline reads of it. */
export type SupplyFact = { [Type in SupplyEvent['type']]: { readonly type: Type; readonly data: Extract<SupplyEvent, { type: Type }>['data'] } }[SupplyEvent['type']];

interface PipelineLine {
  readonly sku: string;
  readonly purchaseOrderId: string;
  readonly remainingQuantity: number;
  readonly expectedAt: string;
  readonly status: 'OPEN' | 'CANCELLED';
}

function keyOf(sku: string, purchaseOrderId: string): string {
  return JSON.stringify([sku, purchaseOrderId]);
}

/** The line as a supply event leaves it; null when the event does not concern a known line. */
function applySupplyEvent(line: PipelineLine | undefined, event: SupplyFact): PipelineLine | null {
  switch (event.type) {
    case 'SupplyExpected': {
      const { sku, purchaseOrderId, remainingQuantity, expectedAt } = event.data;
      return { sku, purchaseOrderId, remainingQuantity, expectedAt, status: 'OPEN' };
    }
    case 'SupplyRescheduled': {
      // The event carries the whole open line, so a line missed so far is rebuilt from it.
      const { sku, purchaseOrderId, remainingQuantity, expectedAt } = event.data;
      return { sku, purchaseOrderId, remainingQuantity, expectedAt, status: line?.status ?? 'OPEN' };
    }
    case 'SupplyCancelled':
      return line === undefined ? null : { ...line, remainingQuantity: 0, status: 'CANCELLED' };
    case 'SupplyReceived':
      if (line === undefined || event.data.pipelineReduction === 0) return null;
      return { ...line, remainingQuantity: Math.max(0, line.remainingQuantity - event.data.pipelineReduction) };
    default: {
      const unknown: never = event;
      throw new Error(`unknown supply event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Keeps each SKU's supply pipeline (its purchase-order lines with what remains and when) from the
 * supplier-receipts service's events: one query loads the lines the batch names, the events are
 * applied in order in memory, one statement writes the lines back. `table` lets a replay write
 * its shadow copy.
 */
export async function projectSupplyEvents(tx: Queryable, events: readonly SupplyFact[], table = 'supply_pipeline'): Promise<void> {
  const named = events.filter((event) => event.data.purchaseOrderId !== null);
  if (named.length === 0) return;
  const loaded = await tx.query<{ sku: string; purchase_order_id: string; remaining_quantity: number; expected_at: string; status: 'OPEN' | 'CANCELLED' }>(
    `SELECT p.* FROM ${assertIdentifier(table)} p JOIN unnest($1::text[], $2::text[]) AS k(sku, purchase_order_id) USING (sku, purchase_order_id)`,
    [named.map((event) => event.data.sku), named.map((event) => event.data.purchaseOrderId)],
  );
  const lines = new Map<string, PipelineLine>(
    loaded.rows.map((row) => [
      keyOf(row.sku, row.purchase_order_id),
      { sku: row.sku, purchaseOrderId: row.purchase_order_id, remainingQuantity: row.remaining_quantity, expectedAt: row.expected_at, status: row.status },
    ]),
  );
  const changed = new Set<string>();
  for (const event of named) {
    const key = keyOf(event.data.sku, event.data.purchaseOrderId!);
    const line = applySupplyEvent(lines.get(key), event);
    if (line === null) continue;
    lines.set(key, line);
    changed.add(key);
  }
  const rows = [...changed].map((key) => lines.get(key)!);
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO ${assertIdentifier(table)} (sku, purchase_order_id, remaining_quantity, expected_at, status)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])
     ON CONFLICT (sku, purchase_order_id) DO UPDATE SET
       remaining_quantity = EXCLUDED.remaining_quantity, expected_at = EXCLUDED.expected_at, status = EXCLUDED.status`,
    [rows.map((r) => r.sku), rows.map((r) => r.purchaseOrderId), rows.map((r) => r.remainingQuantity), rows.map((r) => r.expectedAt), rows.map((r) => r.status)],
  );
}

/**
 * Records the batch's supply facts about purchase-order lines on their SKUs' pipeline streams and
 * moves the pipeline with them, in the consumer's transaction. A receipt that names no purchase
 * order says nothing about the pipeline and is not recorded.
 */
export async function recordSupplyFacts(tx: Queryable, inputs: readonly ConsumedInput[]): Promise<void> {
  const facts = inputs
    .map((input) => ({ input, fact: factOf(input.event as SupplyEvent) }))
    .filter(({ fact }) => fact.data.purchaseOrderId !== null);
  await appendFacts(
    tx,
    PIPELINE_STREAM_PREFIX,
    facts.map(({ input, fact }) => ({
      sku: fact.data.sku,
      event: { id: deterministicId(input.event.id, SUPPLY_FACT_RECORDED), type: SUPPLY_FACT_RECORDED, data: { fact }, metadata: { causationId: input.event.id, now: input.event.time } },
    })),
  );
  await projectSupplyEvents(tx, facts.map(({ fact }) => fact));
}

function factOf(event: SupplyEvent): SupplyFact {
  return { type: event.type, data: event.data } as SupplyFact;
}

/** The supply facts recorded among stored events, in their order. */
export function recordedSupplyFacts(events: readonly StoredEvent[]): SupplyFact[] {
  return eventsOfStreams(events, PIPELINE_STREAM_PREFIX, SUPPLY_FACT_RECORDED).map((stored) => (stored.data as { fact: SupplyFact }).fact);
}
