import { randomUUID } from 'node:crypto';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { ProjectionReplayResult, replayProjection } from '@restock/event-store';
import { postAsOperator, processedInputCount, publishByTopic, seededRandom, untilProcessed } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { INVENTORY_OPERATIONS } from './inventory-operations';
import { inventoryService } from './inventory.module';

const TOKEN = `token-${randomUUID()}`;
const WORKLOAD_INPUTS = 360;
const WORKLOAD_SKUS = 4;
const WAREHOUSES = ['WH-1', 'WH-2'];

type Published = { topic: string; key: string; value: ReturnType<typeof input> };

function input(type: string, time: string, data: Record<string, unknown>, id: string = randomUUID()) {
  return cloudEvent({ id, source: 'test', type, time, data });
}

/**
 * Random warehouse facts (receipts, shipments, counts, some reported again under another id),
 * supply facts (lines expected, moved, cancelled and received, receipts without a purchase order),
 * saga facts (ledger changes; lines decided, allocated, cancelled and shipped) and a product
 * definition with a lead time for each of a few SKUs, so replenishment is planned and suggested.
 * Every input is one the service accepts, so all of them end up in processed_inputs.
 */
function workload(seed: number, skus: readonly string[], count: number, label: string): Published[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)];
  const quantity = (max: number) => 1 + Math.floor(next() * max);
  const inputs: Published[] = [];
  const warehouseFacts: Published[] = [];
  const purchaseOrders = new Map<string, string[]>(skus.map((sku) => [sku, []]));
  let minute = 0;
  const at = (days = 0) => new Date(Date.UTC(2026, 11, 1, 8) + minute * 60_000 + days * 86_400_000).toISOString();
  // Every SKU gets a lead time first, so its replenishment is planned.
  for (const sku of skus) {
    const definedAt = at();
    inputs.push({ topic: TOPICS.catalogEvents, key: sku, value: input('ProductDefined', definedAt, { sku, name: sku, backorderable: true, maxBackorderDays: 30, leadTimeDays: 1 + Math.floor(next() * 20), onLimitExceeded: 'NOTIFY', definedAt }) });
  }
  for (let index = 0; index < count; index += 1) {
    minute += 1 + Math.floor(next() * 30);
    const sku = pick(skus)!;
    const warehouseId = pick(WAREHOUSES)!;
    const po = pick(purchaseOrders.get(sku)!);
    const id = `${label}-${index}`;
    const roll = next();
    const add = (topic: string, type: string, data: Record<string, unknown>) => {
      const published = { topic, key: sku, value: input(type, at(), data) };
      inputs.push(published);
      return published;
    };
    if (roll < 0.15) {
      warehouseFacts.push(add(TOPICS.warehouseEvents, 'GoodsReceived', { receiptId: `R-${id}`, sku, quantity: quantity(20), warehouseId, receivedAt: at() }));
    } else if (roll < 0.25) {
      warehouseFacts.push(
        add(TOPICS.warehouseEvents, 'ShipmentDispatched', { shipmentId: `S-${id}`, orderId: `O-${id}`, lineId: '1', sku, warehouseId, quantity: quantity(6), dispatchedAt: at() }),
      );
    } else if (roll < 0.3) {
      warehouseFacts.push(add(TOPICS.warehouseEvents, 'CycleCounted', { countId: `C-${id}`, sku, warehouseId, countedQuantity: Math.floor(next() * 15), countedAt: at() }));
    } else if (roll < 0.33 && warehouseFacts.length > 0) {
      // The same fact reported again under another id moves nothing.
      const again = pick(warehouseFacts)!;
      inputs.push({ ...again, value: { ...again.value, id: randomUUID() } });
    } else if (roll < 0.45) {
      const purchaseOrderId = `PO-${id}`;
      purchaseOrders.get(sku)!.push(purchaseOrderId);
      const ordered = quantity(12);
      add(TOPICS.supplyEvents, 'SupplyExpected', { purchaseOrderId, sku, supplierId: 'SUP-1', orderedQuantity: ordered, remainingQuantity: ordered, expectedAt: at(2 + Math.floor(next() * 15)) });
    } else if (roll < 0.52 && po) {
      add(TOPICS.supplyEvents, 'SupplyRescheduled', { purchaseOrderId: po, sku, expectedAt: at(3 + Math.floor(next() * 20)), previousExpectedAt: at(), reason: null, remainingQuantity: quantity(8) });
    } else if (roll < 0.55 && po) {
      add(TOPICS.supplyEvents, 'SupplyCancelled', { purchaseOrderId: po, sku, cancelledQuantity: quantity(5) });
    } else if (roll < 0.67) {
      const received = quantity(8);
      const named = po !== undefined && next() < 0.8;
      add(TOPICS.supplyEvents, 'SupplyReceived', {
        receiptId: `SR-${id}`,
        sku,
        warehouseId,
        quantity: received,
        receivedAt: at(),
        purchaseOrderId: named ? po : null,
        pipelineReduction: named ? Math.floor(next() * (received + 1)) : 0,
        unplanned: !named,
      });
    } else {
      const onHand = Math.floor(next() * 40) - 5;
      const allocated = Math.floor(next() * 10);
      const waiting = Math.floor(next() * 4);
      // The demand the saga accepted since its previous change of the SKU, on up to two days.
      const days = [...new Set(Array.from({ length: Math.floor(next() * 3) }, () => at(-Math.floor(next() * 40)).slice(0, 10)))].sort();
      add(TOPICS.fulfillmentLedger, 'SkuLedgerChanged', {
        sku,
        onHand,
        allocated,
        atp: onHand - allocated,
        queueDepth: waiting,
        backorderedQuantity: waiting * quantity(3),
        accepted: days.map((day) => ({ day, quantity: quantity(6) })),
        oldestBackorderAcceptedAt: waiting > 0 ? at(-1) : null,
        changedAt: at(next() < 0.2 ? -1 : 0),
      });
    }
  }
  return inputs;
}

interface LedgerData {
  readonly sku: string;
  readonly backorderedQuantity: number;
  readonly accepted: readonly { readonly day: string; readonly quantity: number }[];
}

function sortBySku<T extends { sku: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => a.sku.localeCompare(b.sku));
}

describe('inventory operators', () => {
  const running = serviceUnderTest('inventory', inventoryService, { label: 'inventory-operators', env: { RESTOCK_OPERATOR_TOKEN: TOKEN } });

  function operator(path: string, body: unknown) {
    return postAsOperator(running.url, TOKEN, path, body);
  }

  function publish(inputs: readonly Published[]): Promise<void> {
    return publishByTopic(running.kafka, inputs);
  }

  async function processedCount(): Promise<number> {
    return processedInputCount(running.db, 'inventory');
  }

  async function allProcessed(count: number): Promise<void> {
    await untilProcessed(running.db, 'inventory', count);
  }

  function replayAll(): Promise<ProjectionReplayResult[]> {
    return Promise.all(INVENTORY_OPERATIONS.projections.map((projection) => replayProjection(running.db, projection)));
  }

  function tablesOf(results: readonly ProjectionReplayResult[]) {
    return results.flatMap((result) => result.tables.map((table) => ({ table: table.table, equal: table.equal, rows: table.live.rows })));
  }

  it('rebuilds every read model, replenishment planning included, with the live checksums, while a random workload flows', async () => {
    const seed = Date.now();
    const skus = Array.from({ length: WORKLOAD_SKUS }, (_, index) => `INV-${index}-${randomUUID().slice(0, 6)}`);
    const inputs = workload(seed, skus, WORKLOAD_INPUTS, 'a');
    const firstPart = inputs.slice(0, Math.floor(inputs.length * 0.6));
    await publish(firstPart);
    await allProcessed(firstPart.length);

    const [during] = await Promise.all([replayAll(), publish(inputs.slice(firstPart.length))]);
    const everyTable = ['warehouse_stock', 'stock_facts', 'supply_pipeline', 'sku_ledger', 'sku_planning', 'sku_demand', 'replenishment'];
    expect({ seed, tables: tablesOf(during) }).toEqual({ seed, tables: everyTable.map((table) => ({ table, equal: true, rows: expect.any(Number) })) });
    for (const table of tablesOf(during)) expect({ seed, table: table.table, filled: table.rows > 0 }).toEqual({ seed, table: table.table, filled: true });

    await allProcessed(inputs.length);
    // Each SKU waits for the units of its latest ledger change, and its demand adds up every accepted unit once.
    const ledgerChanges = inputs.filter((published) => published.value.type === 'SkuLedgerChanged').map((published) => published.value.data as unknown as LedgerData);
    const expectedWaiting = new Map(ledgerChanges.map((change) => [change.sku, change.backorderedQuantity]));
    const expectedDemand = new Map<string, number>();
    for (const change of ledgerChanges) expectedDemand.set(change.sku, (expectedDemand.get(change.sku) ?? 0) + change.accepted.reduce((sum, entry) => sum + entry.quantity, 0));
    const planned = await running.db.query<{ sku: string; backordered: string; demand: string }>(
      `SELECT k.sku, COALESCE(l.backordered_quantity, 0) AS backordered, COALESCE((SELECT sum(units) FROM sku_demand d WHERE d.sku = k.sku), 0) AS demand
       FROM unnest($1::text[]) AS k(sku) LEFT JOIN sku_ledger l ON l.sku = k.sku`,
      [skus],
    );
    const actual = planned.rows.map((row) => ({ sku: row.sku, waiting: Number(row.backordered), demand: Number(row.demand) }));
    expect({ seed, planned: sortBySku(actual) }).toEqual({
      seed,
      planned: sortBySku(skus.map((sku) => ({ sku, waiting: expectedWaiting.get(sku) ?? 0, demand: expectedDemand.get(sku) ?? 0 }))),
    });
    const waitingTotal = await running.db.query<{ n: string }>('SELECT COALESCE(sum(backordered_quantity), 0) AS n FROM sku_ledger');
    expect({ seed, waiting: Number(waitingTotal.rows[0]!.n) > 0 }).toEqual({ seed, waiting: true });
    const response = await operator('/operator/replay/projections', { reason: 'check after the workload', swap: true });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outcome: string; results: ProjectionReplayResult[] };
    expect({ seed, outcome: body.outcome, tables: tablesOf(body.results).map((table) => [table.table, table.equal]) }).toEqual({
      seed,
      outcome: 'SWAPPED',
      tables: everyTable.map((table) => [table, true]),
    });

    // The swapped-in tables are the live ones now: the service keeps writing them and a replay agrees.
    const more = workload(seed + 1, skus, 60, 'b');
    await publish(more);
    await allProcessed(inputs.length + more.length);
    const after = await replayAll();
    expect({ seed, equal: after.every((result) => result.equal) }).toEqual({ seed, equal: true });
    const inventory = (await (await fetch(`${running.url}/inventory/${skus[0]}`)).json()) as { sku: string };
    expect(inventory.sku).toBe(skus[0]);
  }, 180_000);

  it('reports a read model that drifted from the events as different', async () => {
    const sku = `DRIFT-${randomUUID().slice(0, 8)}`;
    const before = await processedCount();
    await publish([
      { topic: TOPICS.fulfillmentLedger, key: sku, value: input('SkuLedgerChanged', '2026-12-01T10:00:00Z', { sku, onHand: 5, allocated: 2, atp: 3, queueDepth: 0, backorderedQuantity: 0, accepted: [], oldestBackorderAcceptedAt: null, changedAt: '2026-12-01T10:00:00Z' }) },
    ]);
    await allProcessed(before + 1);
    await running.db.query('UPDATE sku_ledger SET allocated = allocated + 1 WHERE sku = $1', [sku]);
    const response = await operator('/operator/replay/projections', { reason: 'after a manual fix went wrong' });
    const body = (await response.json()) as { outcome: string; results: ProjectionReplayResult[] };
    expect(body.outcome).toBe('DIFFERS');
    expect(tablesOf(body.results).filter((table) => !table.equal).map((table) => table.table)).toEqual(['sku_ledger']);
  }, 60_000);
});
