import { randomUUID } from 'node:crypto';
import { KafkaMessage } from 'kafkajs';
import { cloudEvent, deadLetterTopic, deterministicId, REPLENISHMENT_SUGGESTED, TOPICS, validateMessage } from '@restock/contracts';
import { DLQ_HEADER } from '@restock/messaging';
import { eventually, parseValue } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { inventoryService } from './inventory.module';
import { InventoryView } from './inventory-read-model';

interface Envelope {
  id: string;
  type: string;
  time: string;
  causationid?: string;
  data: Record<string, unknown>;
}

const TIME = '2026-12-01T10:00:00Z';

/** The fields the tests read from an answer: the view on success, the error fields otherwise. */
type Answer = { status: number; body: InventoryView & { id: string; code: string; message: string; fields: { field: string; errors: string[] }[] } };

function input(type: string, data: Record<string, unknown>, id = randomUUID()) {
  return cloudEvent({ id, source: 'test/upstream', type, time: TIME, data });
}

describe('inventory service', () => {
  const running = serviceUnderTest('inventory', inventoryService);

  const sku = () => `SKU-${randomUUID().slice(0, 8)}`;

  const receipt = (s: string, receiptId: string, quantity: number, warehouseId = 'WH-1') =>
    input('GoodsReceived', { receiptId, sku: s, quantity, warehouseId, receivedAt: '2026-12-01T09:00:00Z' });
  const shipment = (s: string, shipmentId: string, quantity: number, warehouseId = 'WH-1') =>
    input('ShipmentDispatched', { shipmentId, orderId: 'O-1', lineId: 'L-1', sku: s, warehouseId, quantity, dispatchedAt: '2026-12-01T09:30:00Z' });
  const count = (s: string, countId: string, countedQuantity: number, warehouseId = 'WH-1') =>
    input('CycleCounted', { countId, sku: s, warehouseId, countedQuantity, countedAt: '2026-12-01T09:45:00Z' });

  async function publish(topic: string, key: string, values: readonly unknown[]): Promise<void> {
    await running.kafka.publish(topic, values.map((value) => ({ key, value })));
  }

  async function stockEvents(forSku: string, until: (events: Envelope[]) => boolean): Promise<Envelope[]> {
    const of = (messages: readonly KafkaMessage[]) => messages.map((m) => parseValue<Envelope>(m)).filter((e) => e.data.sku === forSku);
    return of(await running.kafka.readUntil(TOPICS.inventoryEvents, (messages) => until(of(messages))));
  }

  async function deadLetterCode(topic: string, inputId: string): Promise<string | undefined> {
    const messages = await running.kafka.readUntil(deadLetterTopic(topic), (all) => all.some((m) => m.value?.toString().includes(inputId)));
    return messages.find((m) => m.value?.toString().includes(inputId))!.headers?.[DLQ_HEADER.code]?.toString();
  }

  async function getJson(path: string): Promise<Answer> {
    const response = await fetch(`${running.url}${path}`);
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  async function postJson(path: string, body: unknown): Promise<Answer> {
    const response = await fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  describe('GoodsReceived', () => {
    it('adds stock to its warehouse once per receipt and dead-letters a conflicting duplicate', async () => {
      const s = sku();
      const first = receipt(s, 'R-1', 5);
      const conflicting = receipt(s, 'R-1', 6);
      const last = receipt(s, 'R-2', 3, 'WH-2');
      await publish(TOPICS.warehouseEvents, s, [first, first, receipt(s, 'R-1', 5), conflicting, last]);

      const events = await stockEvents(s, (all) => all.some((e) => e.causationid === last.id));
      expect(events.map((e) => [e.type, e.data.receiptId, e.data.quantity, e.data.warehouseId])).toEqual([
        ['StockReceived', 'R-1', 5, 'WH-1'],
        ['StockReceived', 'R-2', 3, 'WH-2'],
      ]);
      expect(events[0]).toMatchObject({ time: TIME, causationid: first.id, data: { sku: s, receivedAt: '2026-12-01T09:00:00Z' } });
      expect(await deadLetterCode(TOPICS.warehouseEvents, conflicting.id)).toBe('CONFLICTING_DUPLICATE');
      const { status, body } = await getJson(`/inventory/${s}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        sku: s,
        onHand: 8,
        allocated: 0,
        atp: 8,
        queueDepth: 0,
        pipeline: [],
        reorderPoint: null,
        safetyStock: null,
        warehouses: [
          { warehouseId: 'WH-1', onHand: 5 },
          { warehouseId: 'WH-2', onHand: 3 },
        ],
      });
    });
  });

  describe('ShipmentDispatched', () => {
    it('takes stock out once per shipment, below zero if the warehouse says so', async () => {
      const s = sku();
      const ship = shipment(s, 'S-1', 4);
      const overShip = shipment(s, 'S-2', 3);
      await publish(TOPICS.warehouseEvents, s, [receipt(s, 'R-1', 5), ship, ship, shipment(s, 'S-1', 4), overShip]);

      const events = await stockEvents(s, (all) => all.some((e) => e.causationid === overShip.id));
      expect(events.filter((e) => e.type === 'StockShipped').map((e) => e.data)).toEqual([
        { shipmentId: 'S-1', orderId: 'O-1', lineId: 'L-1', sku: s, warehouseId: 'WH-1', quantity: 4, dispatchedAt: '2026-12-01T09:30:00Z' },
        { shipmentId: 'S-2', orderId: 'O-1', lineId: 'L-1', sku: s, warehouseId: 'WH-1', quantity: 3, dispatchedAt: '2026-12-01T09:30:00Z' },
      ]);
      expect((await getJson(`/inventory/${s}`)).body).toMatchObject({ onHand: -2, atp: -2 });
    });
  });

  describe('CycleCounted', () => {
    it('sets the warehouse on hand where the count happened in the stream and records the correction once', async () => {
      const s = sku();
      const lost = count(s, 'C-1', 5);
      const found = count(s, 'C-2', 4, 'WH-2');
      const last = receipt(s, 'R-3', 2);
      await publish(TOPICS.warehouseEvents, s, [receipt(s, 'R-1', 10), shipment(s, 'S-1', 3), lost, lost, count(s, 'C-1', 5), found, last]);

      const events = await stockEvents(s, (all) => all.some((e) => e.causationid === last.id));
      expect(events.filter((e) => e.type === 'StockCounted').map((e) => e.data)).toEqual([
        { countId: 'C-1', sku: s, warehouseId: 'WH-1', previousOnHand: 7, countedQuantity: 5, delta: -2, countedAt: '2026-12-01T09:45:00Z' },
        { countId: 'C-2', sku: s, warehouseId: 'WH-2', previousOnHand: 0, countedQuantity: 4, delta: 4, countedAt: '2026-12-01T09:45:00Z' },
      ]);
      const { body } = await getJson(`/inventory/${s}`);
      expect(body.onHand).toBe(11);
      expect(body.warehouses).toEqual([
        { warehouseId: 'WH-1', onHand: 7 },
        { warehouseId: 'WH-2', onHand: 4 },
      ]);
    });
  });

  describe('poison messages', () => {
    it('go to the dead-letter topic of their input topic, and the messages behind them are handled', async () => {
      const s = sku();
      const badCount = count(s, 'C-1', -1);
      const badSupply = input('SupplyExpected', { purchaseOrderId: 'PO-1', sku: s, supplierId: 'SUP-1', orderedQuantity: 0, remainingQuantity: 0, expectedAt: TIME });
      const good = receipt(s, 'R-1', 1);
      await running.kafka.publish(TOPICS.warehouseEvents, [
        { key: s, value: '{not json' },
        { key: s, value: badCount },
        { key: s, value: input('GoodsStolen', { sku: s }) },
        { key: s, value: good },
      ]);
      await publish(TOPICS.supplyEvents, s, [badSupply]);
      await stockEvents(s, (all) => all.some((e) => e.causationid === good.id));
      expect(await deadLetterCode(TOPICS.warehouseEvents, badCount.id)).toBe('INVALID_DATA');
      expect(await deadLetterCode(TOPICS.supplyEvents, badSupply.id)).toBe('INVALID_DATA');
    });
  });

  describe('the supply pipeline', () => {
    it('lists the open lines with units remaining, sorted by expected date, and applies each event once', async () => {
      const s = sku();
      const supply = (type: string, data: Record<string, unknown>) => input(type, { sku: s, ...data });
      const receivedA = supply('SupplyReceived', { receiptId: 'R-1', warehouseId: 'WH-1', quantity: 4, receivedAt: TIME, purchaseOrderId: 'PO-A', pipelineReduction: 4, unplanned: false });
      await publish(TOPICS.supplyEvents, s, [
        supply('SupplyExpected', { purchaseOrderId: 'PO-A', supplierId: 'SUP-1', orderedQuantity: 10, remainingQuantity: 10, expectedAt: '2026-12-09T00:00:00Z' }),
        supply('SupplyExpected', { purchaseOrderId: 'PO-B', supplierId: 'SUP-1', orderedQuantity: 5, remainingQuantity: 5, expectedAt: '2026-12-07T00:00:00Z' }),
        supply('SupplyExpected', { purchaseOrderId: 'PO-C', supplierId: 'SUP-1', orderedQuantity: 5, remainingQuantity: 5, expectedAt: '2026-12-01T00:00:00Z' }),
        supply('SupplyExpected', { purchaseOrderId: 'PO-D', supplierId: 'SUP-1', orderedQuantity: 2, remainingQuantity: 2, expectedAt: '2026-12-02T00:00:00Z' }),
        supply('SupplyRescheduled', { purchaseOrderId: 'PO-B', expectedAt: '2026-12-12T00:00:00Z', previousExpectedAt: '2026-12-07T00:00:00Z', reason: null, remainingQuantity: 5 }),
        receivedA,
        receivedA,
        supply('SupplyCancelled', { purchaseOrderId: 'PO-C', cancelledQuantity: 5 }),
        supply('SupplyReceived', { receiptId: 'R-2', warehouseId: 'WH-1', quantity: 3, receivedAt: TIME, purchaseOrderId: 'PO-D', pipelineReduction: 2, unplanned: false }),
        supply('SupplyReceived', { receiptId: 'R-3', warehouseId: 'WH-1', quantity: 3, receivedAt: TIME, purchaseOrderId: null, pipelineReduction: 0, unplanned: true }),
      ]);
      const body = await eventually(async () => {
        const found = await getJson(`/inventory/${s}`);
        return found.status === 200 && found.body.pipeline.length === 2 && found.body.pipeline[0].remainingQuantity === 6 ? found.body : undefined;
      });
      expect(body.pipeline).toEqual([
        { purchaseOrderId: 'PO-A', remainingQuantity: 6, expectedAt: '2026-12-09T00:00:00Z' },
        { purchaseOrderId: 'PO-B', remainingQuantity: 5, expectedAt: '2026-12-12T00:00:00Z' },
      ]);
      // Stock comes from the warehouse stream only: supply receipts move the pipeline, not on hand.
      expect(body).toMatchObject({ onHand: 0, warehouses: [] });
    });
  });

  describe('the saga ledger', () => {
    it('shows the allocated units and queue depth of the last change in stream order, with atp = on hand − allocated', async () => {
      const s = sku();
      const ledger = (allocated: number, queueDepth: number, changedAt: string) =>
        input('SkuLedgerChanged', { sku: s, onHand: 9, allocated, atp: 9 - allocated, queueDepth, backorderedQuantity: queueDepth, accepted: [], oldestBackorderAcceptedAt: null, changedAt });
      await publish(TOPICS.warehouseEvents, s, [receipt(s, 'R-1', 9)]);
      await publish(TOPICS.fulfillmentLedger, s, [
        ledger(2, 0, '2026-12-01T10:00:00Z'),
        // Caused by an input that carried an earlier time, but decided last.
        ledger(6, 3, '2026-12-01T09:00:00Z'),
      ]);
      const body = await eventually(async () => {
        const found = await getJson(`/inventory/${s}`);
        return found.body.onHand === 9 && found.body.allocated === 6 ? found.body : undefined;
      });
      expect(body).toMatchObject({ onHand: 9, allocated: 6, atp: 3, queueDepth: 3 });
    });
  });

  describe('replenishment planning', () => {
    const DAY_MS = 86_400_000;

    /** The UTC day `daysAgo` days before TIME. */
    const dayOf = (daysAgo: number) => new Date(Date.parse('2026-12-01T09:00:00Z') - daysAgo * DAY_MS).toISOString().slice(0, 10);
    /** A ledger change of the saga: its figures after a batch, and the demand that batch accepted. */
    const ledgerChange = (s: string, figures: { allocated: number; queueDepth: number; backorderedQuantity: number }, accepted: { daysAgo: number; quantity: number }[]) =>
      input('SkuLedgerChanged', {
        sku: s,
        onHand: 100,
        atp: 100 - figures.allocated,
        ...figures,
        accepted: accepted.map(({ daysAgo, quantity }) => ({ day: dayOf(daysAgo), quantity })),
        oldestBackorderAcceptedAt: figures.queueDepth > 0 ? '2026-12-01T09:00:00Z' : null,
        changedAt: TIME,
      });
    const purchaseOrderLine = (s: string, purchaseOrderId: string, supplierId: string, quantity: number) =>
      input('SupplyExpected', { purchaseOrderId, sku: s, supplierId, orderedQuantity: quantity, remainingQuantity: quantity, expectedAt: '2026-12-10T00:00:00Z' });

    async function suggestions(forSku: string, count: number): Promise<Envelope[]> {
      const of = (messages: readonly KafkaMessage[]) => messages.filter((m) => parseValue<Envelope>(m).data.sku === forSku);
      const messages = of(await running.kafka.readUntil(TOPICS.replenishment, (all) => of(all).length >= count));
      for (const message of messages) expect(validateMessage(TOPICS.replenishment, message.value)).toMatchObject({ ok: true });
      expect(messages.map((m) => m.key?.toString())).toEqual(messages.map(() => forSku));
      return messages.map((m) => parseValue<Envelope>(m));
    }

    async function inventoryWhen(s: string, holds: (view: InventoryView) => boolean): Promise<InventoryView> {
      return eventually(async () => {
        const found = await getJson(`/inventory/${s}`);
        return found.status === 200 && holds(found.body) ? found.body : undefined;
      });
    }

    it('suggests once when the position falls to the reorder point, and again only after it rose above it', async () => {
      const s = sku();
      await publish(TOPICS.warehouseEvents, s, [receipt(s, 'R-1', 100)]);
      await inventoryWhen(s, (view) => view.onHand === 100);
      await publish(TOPICS.supplyEvents, s, [purchaseOrderLine(s, 'PO-1', 'SUP-9', 5)]);
      await inventoryWhen(s, (view) => view.pipeline.length === 1);
      await publish(TOPICS.catalogEvents, s, [
        input('ProductDefined', { sku: s, name: 'Red', backorderable: true, maxBackorderDays: 30, leadTimeDays: 9, onLimitExceeded: 'NOTIFY', definedAt: TIME }),
      ]);
      // A lead time without demand plans a reorder point of 0: nothing to suggest.
      expect(await inventoryWhen(s, (view) => view.reorderPoint !== null)).toMatchObject({ reorderPoint: 0, safetyStock: 0 });

      // 10 units every other day over the 28-day window: mean 5, standard deviation 5. With a lead
      // time of 9 days, safety stock = ceil(1.65 × 5 × 3) = 25 and the reorder point 45 + 25 = 70.
      // Two changes: the older days, then today's 10 units, of which 4 still wait.
      const olderDays = Array.from({ length: 13 }, (_, index) => ({ daysAgo: (index + 1) * 2, quantity: 10 }));
      await publish(TOPICS.fulfillmentLedger, s, [
        ledgerChange(s, { allocated: 0, queueDepth: 0, backorderedQuantity: 0 }, olderDays),
        ledgerChange(s, { allocated: 10, queueDepth: 1, backorderedQuantity: 4 }, [{ daysAgo: 0, quantity: 10 }]),
      ]);
      const planned = await inventoryWhen(s, (view) => view.reorderPoint === 70 && view.allocated === 10);
      expect(planned).toMatchObject({ onHand: 100, allocated: 10, queueDepth: 1, reorderPoint: 70, safetyStock: 25 });

      // Position 100 + 5 − 10 − 4 = 91 is above 70; shipping 25 takes it to 66.
      const shipped = shipment(s, 'S-1', 25);
      await publish(TOPICS.warehouseEvents, s, [shipped]);
      const [first] = await suggestions(s, 1);
      expect(first).toEqual({
        specversion: '1.0',
        id: deterministicId(shipped.id, REPLENISHMENT_SUGGESTED, s),
        source: 'restock/inventory',
        type: REPLENISHMENT_SUGGESTED,
        time: TIME,
        datacontenttype: 'application/json',
        causationid: shipped.id,
        // Order up to 70 + 7 days × 5 = 105.
        data: { sku: s, quantity: 39, reorderPoint: 70, safetyStock: 25, inventoryPosition: 66, supplierId: 'SUP-9' },
      });

      // The same input again, and a position that stays low, suggest nothing more.
      await publish(TOPICS.warehouseEvents, s, [shipped, shipment(s, 'S-2', 1)]);
      await inventoryWhen(s, (view) => view.onHand === 74);
      // A purchase-order line lifts the position to 65 + 39 = 104 and re-arms; shipping 40 takes it to 64.
      await publish(TOPICS.supplyEvents, s, [purchaseOrderLine(s, 'PO-2', 'SUP-7', 39)]);
      await inventoryWhen(s, (view) => view.pipeline.length === 2);
      const shippedAgain = shipment(s, 'S-3', 40);
      await publish(TOPICS.warehouseEvents, s, [shippedAgain]);
      const all = await suggestions(s, 2);
      expect(all).toHaveLength(2);
      expect(all[1]).toMatchObject({
        id: deterministicId(shippedAgain.id, REPLENISHMENT_SUGGESTED, s),
        causationid: shippedAgain.id,
        data: { sku: s, quantity: 41, reorderPoint: 70, safetyStock: 25, inventoryPosition: 64, supplierId: 'SUP-7' },
      });
    }, 90_000);
  });

  describe('HTTP', () => {
    it('POST /inventory/{sku}/cycle-counts forwards the count to the warehouse topic (202) with one effect when repeated', async () => {
      const s = sku();
      await publish(TOPICS.warehouseEvents, s, [receipt(s, 'R-1', 10)]);
      await eventually(async () => ((await getJson(`/inventory/${s}`)).body.onHand === 10 ? true : undefined));
      const body = { countId: `C-${randomUUID()}`, warehouseId: 'WH-1', countedQuantity: 6, countedAt: TIME };
      const first = await postJson(`/inventory/${s}/cycle-counts`, body);
      const again = await postJson(`/inventory/${s}/cycle-counts`, body);
      expect(first.status).toBe(202);
      expect(again.body).toEqual(first.body);
      const counted = await stockEvents(s, (all) => all.some((e) => e.type === 'StockCounted'));
      expect(counted.filter((e) => e.type === 'StockCounted').map((e) => e.data)).toEqual([
        { countId: body.countId, sku: s, warehouseId: 'WH-1', previousOnHand: 10, countedQuantity: 6, delta: -4, countedAt: TIME },
      ]);
      // A receipt published after the repeated count proves the repeat was handled before it.
      const marker = receipt(s, 'R-2', 1);
      await publish(TOPICS.warehouseEvents, s, [marker]);
      const events = await stockEvents(s, (all) => all.some((e) => e.causationid === marker.id));
      expect(events.filter((e) => e.type === 'StockCounted')).toHaveLength(1);
      expect((await getJson(`/inventory/${s}`)).body.onHand).toBe(7);
    });

    it('POST /inventory/{sku}/cycle-counts answers 400 with the field errors', async () => {
      const bad = await postJson(`/inventory/${sku()}/cycle-counts`, { countId: 'C-1', warehouseId: 'WH-1', countedQuantity: -1, countedAt: 'yesterday', sku: 'X' });
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['countedAt', 'countedQuantity', 'sku']);
      const badSku = await postJson('/inventory/has%20space/cycle-counts', { countId: 'C-1', warehouseId: 'WH-1', countedQuantity: 1, countedAt: TIME });
      expect(badSku.status).toBe(400);
      expect(badSku.body.fields).toEqual([{ field: 'sku', errors: [expect.any(String)] }]);
    });

    it('GET /inventory/{sku} answers 404 with a clear body for a SKU never seen', async () => {
      const s = sku();
      const { status, body } = await getJson(`/inventory/${s}`);
      expect(status).toBe(404);
      expect(body).toMatchObject({ code: 'INVENTORY.UNKNOWN_SKU', message: expect.stringContaining(s) });
    });
  });
});
