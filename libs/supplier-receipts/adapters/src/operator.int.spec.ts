import { randomUUID } from 'node:crypto';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { ProjectionReplayResult, replayProjection } from '@restock/event-store';
import { postAsOperator, publishByTopic, seededRandom, untilProcessed } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { supplierReceiptsService } from './supplier-receipts.module';
import { SUPPLIER_RECEIPTS_OPERATIONS } from './supply-operations';

const TOKEN = `token-${randomUUID()}`;
const WORKLOAD_INPUTS = 360;
const WORKLOAD_SKUS = 4;
const SUPPLY_TABLES = ['purchase_order_lines', 'purchase_order_line_reschedules', 'goods_receipts'];

type Published = { topic: string; key: string; value: ReturnType<typeof input> };

function input(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'test', type, time, data });
}

/**
 * Random purchasing and warehouse inputs for a few SKUs: lines placed (some placed again under
 * another id), moved (some to the date they have), cancelled, and goods received against them or
 * against nothing. Only lines still open are moved, so every input is accepted and ends up in
 * processed_inputs; a receipt may overtake its line's placement (another topic), and is then unplanned.
 */
function workload(seed: number, skus: readonly string[], count: number, label: string): Published[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)];
  const quantity = (max: number) => 1 + Math.floor(next() * max);
  const inputs: Published[] = [];
  const open = new Map<string, { purchaseOrderId: string; placement: Published; expectedAt: string }[]>(skus.map((sku) => [sku, []]));
  let minute = 0;
  const at = (days = 0) => new Date(Date.UTC(2026, 11, 1, 8) + minute * 60_000 + days * 86_400_000).toISOString();
  for (let index = 0; index < count; index += 1) {
    minute += 1 + Math.floor(next() * 30);
    const sku = pick(skus)!;
    const lines = open.get(sku)!;
    const line = pick(lines);
    const id = `${label}-${index}`;
    const roll = next();
    const add = (topic: string, type: string, data: Record<string, unknown>) => {
      const published = { topic, key: sku, value: input(type, at(), data) };
      inputs.push(published);
      return published;
    };
    if (roll < 0.3 || line === undefined) {
      const purchaseOrderId = `PO-${id}`;
      const expectedAt = at(2 + Math.floor(next() * 15));
      const placement = add(TOPICS.purchaseOrders, 'PurchaseOrderLinePlaced', { purchaseOrderId, sku, quantity: quantity(20), supplierId: 'SUP-1', expectedAt });
      lines.push({ purchaseOrderId, placement, expectedAt });
    } else if (roll < 0.35) {
      inputs.push({ ...line.placement, value: { ...line.placement.value, id: randomUUID() } });
    } else if (roll < 0.55) {
      const stay = next() < 0.15;
      const expectedAt = stay ? line.expectedAt : at(3 + Math.floor(next() * 20));
      add(TOPICS.purchaseOrders, 'PurchaseOrderLineRescheduled', { purchaseOrderId: line.purchaseOrderId, sku, expectedAt, ...(next() < 0.5 ? { reason: `slip ${id}` } : {}) });
      line.expectedAt = expectedAt;
    } else if (roll < 0.62) {
      add(TOPICS.purchaseOrders, 'PurchaseOrderLineCancelled', { purchaseOrderId: line.purchaseOrderId, sku });
      lines.splice(lines.indexOf(line), 1);
    } else {
      const named = next() < 0.75;
      add(TOPICS.warehouseEvents, 'GoodsReceived', {
        receiptId: `R-${id}`,
        sku,
        quantity: quantity(12),
        warehouseId: 'WH-1',
        receivedAt: at(),
        ...(named ? { purchaseOrderId: line.purchaseOrderId } : {}),
      });
    }
  }
  return inputs;
}

describe('supplier-receipts operators', () => {
  const running = serviceUnderTest('supplier-receipts', supplierReceiptsService, { label: 'supplier-receipts-operators', env: { RESTOCK_OPERATOR_TOKEN: TOKEN } });

  function operator(path: string, body: unknown) {
    return postAsOperator(running.url, TOKEN, path, body);
  }

  function publish(inputs: readonly Published[]): Promise<void> {
    return publishByTopic(running.kafka, inputs);
  }

  async function allProcessed(count: number): Promise<void> {
    await untilProcessed(running.db, 'supplier-receipts', count);
  }

  function tablesOf(results: readonly ProjectionReplayResult[]) {
    return results.flatMap((result) => result.tables.map((table) => ({ table: table.table, equal: table.equal, rows: table.live.rows })));
  }

  it('rebuilds the purchase-order lines, their reschedules and the receipts with the live checksums, while a random workload flows', async () => {
    const seed = Date.now();
    const skus = Array.from({ length: WORKLOAD_SKUS }, (_, index) => `SUP-${index}-${randomUUID().slice(0, 6)}`);
    const inputs = workload(seed, skus, WORKLOAD_INPUTS, 'a');
    const firstPart = inputs.slice(0, Math.floor(inputs.length * 0.6));
    await publish(firstPart);
    await allProcessed(firstPart.length);

    const [projection] = SUPPLIER_RECEIPTS_OPERATIONS.projections;
    const [during] = await Promise.all([replayProjection(running.db, projection!), publish(inputs.slice(firstPart.length))]);
    expect({ seed, tables: tablesOf([during]) }).toEqual({ seed, tables: SUPPLY_TABLES.map((table) => ({ table, equal: true, rows: expect.any(Number) })) });
    for (const table of tablesOf([during])) expect({ seed, table: table.table, filled: table.rows > 0 }).toEqual({ seed, table: table.table, filled: true });

    await allProcessed(inputs.length);
    const swap = async () => {
      const response = await operator('/operator/replay/projections', { reason: 'check after the workload', swap: true });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { outcome: string; results: ProjectionReplayResult[] };
      expect({ seed, outcome: body.outcome, tables: tablesOf(body.results).map((table) => [table.table, table.equal]) }).toEqual({
        seed,
        outcome: 'SWAPPED',
        tables: SUPPLY_TABLES.map((table) => [table, true]),
      });
    };
    // Twice: the second swap drops the tables the first one replaced, which the live ones must not depend on.
    await swap();
    await swap();

    // The swapped-in tables are the live ones now: the service keeps writing them and a replay agrees.
    const more = workload(seed + 1, skus, 60, 'b');
    await publish(more);
    await allProcessed(inputs.length + more.length);
    const after = await replayProjection(running.db, projection!);
    expect({ seed, equal: after.equal }).toEqual({ seed, equal: true });
  }, 180_000);

  it('tells reschedules apart by their order within the line, not by their sequence numbers', async () => {
    const [projection] = SUPPLIER_RECEIPTS_OPERATIONS.projections;
    const line = await running.db.query<{ purchase_order_id: string; sku: string }>(
      'SELECT purchase_order_id, sku FROM purchase_order_line_reschedules GROUP BY purchase_order_id, sku HAVING count(*) >= 2 LIMIT 1',
    );
    expect(line.rows).toHaveLength(1);
    const { purchase_order_id: purchaseOrderId, sku } = line.rows[0]!;
    // Swapping the first two reschedules' numbers keeps every row but changes the line's history.
    await running.db.query(
      `WITH firsts AS (SELECT event_id, sequence FROM purchase_order_line_reschedules WHERE purchase_order_id = $1 AND sku = $2 ORDER BY sequence LIMIT 2),
            swapped AS (SELECT a.event_id, b.sequence FROM firsts a JOIN firsts b ON a.event_id <> b.event_id)
       UPDATE purchase_order_line_reschedules r SET sequence = swapped.sequence FROM swapped WHERE r.event_id = swapped.event_id`,
      [purchaseOrderId, sku],
    );
    const result = await replayProjection(running.db, projection!);
    expect(result.tables.filter((table) => !table.equal).map((table) => table.table)).toEqual(['purchase_order_line_reschedules']);
  }, 60_000);
});
