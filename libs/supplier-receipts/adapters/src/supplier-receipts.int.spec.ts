import { randomUUID } from 'node:crypto';
import { KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { cloudEvent, deadLetterTopic, TOPICS } from '@restock/contracts';
import { DLQ_HEADER } from '@restock/messaging';
import { eventually, parseValue } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { supplierReceiptsService } from './supplier-receipts.module';
import { PurchaseOrderView } from './purchase-orders-read-model';

interface Envelope {
  id: string;
  type: string;
  time: string;
  causationid?: string;
  data: Record<string, unknown>;
}

const TIME = '2026-12-01T10:00:00Z';

/** The fields the tests read from an answer: the view on success, the error fields otherwise. */
type Answer = { status: number; body: PurchaseOrderView & { id: string; code: string; message: string; fields: { field: string; errors: string[] }[] } };

function input(type: string, data: Record<string, unknown>, id = randomUUID()) {
  return cloudEvent({ id, source: 'test/upstream', type, time: TIME, data });
}

describe('supplier-receipts service', () => {
  const running = serviceUnderTest('supplier-receipts', supplierReceiptsService);

  const sku = () => `SKU-${randomUUID().slice(0, 8)}`;

  async function publish(topic: string, key: string, values: readonly unknown[]): Promise<void> {
    await running.kafka.publish(topic, values.map((value) => ({ key, value })));
  }

  /** Supply events of one SKU, read until the predicate holds for them. */
  async function supplyEvents(forSku: string, until: (events: Envelope[]) => boolean): Promise<Envelope[]> {
    const of = (messages: readonly KafkaMessage[]) => messages.map((m) => parseValue<Envelope>(m)).filter((e) => e.data.sku === forSku);
    return of(await running.kafka.readUntil(TOPICS.supplyEvents, (messages) => until(of(messages))));
  }

  async function deadLetter(topic: string, inputId: string): Promise<KafkaMessage> {
    const messages = await running.kafka.readUntil(deadLetterTopic(topic), (all) => all.some((m) => m.value?.toString().includes(inputId)));
    return messages.find((m) => m.value?.toString().includes(inputId))!;
  }

  const codeOf = (letter: KafkaMessage) => letter.headers?.[DLQ_HEADER.code]?.toString();

  async function getJson(path: string): Promise<Answer> {
    const response = await fetch(`${running.url}${path}`);
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  async function postJson(path: string, body: unknown): Promise<Answer> {
    const response = await fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  const placement = (poId: string, lineSku: string, quantity = 10) => ({ purchaseOrderId: poId, sku: lineSku, quantity, supplierId: 'SUP-1', expectedAt: '2026-12-05T00:00:00Z' });

  describe('PurchaseOrderLinePlaced', () => {
    it('opens one line however often it is delivered, and dead-letters a conflicting placement', async () => {
      const s = sku();
      const po = `PO-${randomUUID()}`;
      const first = input('PurchaseOrderLinePlaced', placement(po, s));
      const conflicting = input('PurchaseOrderLinePlaced', placement(po, s, 99));
      const marker = input('PurchaseOrderLinePlaced', placement(`PO-${randomUUID()}`, s, 1));
      await publish(TOPICS.purchaseOrders, s, [first, first, input('PurchaseOrderLinePlaced', placement(po, s)), conflicting, marker]);

      const events = await supplyEvents(s, (all) => all.some((e) => e.data.purchaseOrderId === marker.data.purchaseOrderId));
      const expected = events.filter((e) => e.data.purchaseOrderId === po);
      expect(expected).toHaveLength(1);
      expect(expected[0]).toMatchObject({
        type: 'SupplyExpected',
        time: TIME,
        causationid: first.id,
        data: { purchaseOrderId: po, sku: s, supplierId: 'SUP-1', orderedQuantity: 10, remainingQuantity: 10, expectedAt: '2026-12-05T00:00:00Z' },
      });
      expect(codeOf(await deadLetter(TOPICS.purchaseOrders, conflicting.id))).toBe('CONFLICTING_DUPLICATE');

      const { status, body } = await getJson(`/purchase-orders/${po}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        purchaseOrderId: po,
        lines: [expect.objectContaining({ sku: s, orderedQuantity: 10, receivedQuantity: 0, remainingQuantity: 10, status: 'OPEN', expectedAt: '2026-12-05T00:00:00Z', reschedules: [] })],
      });
    });
  });

  describe('PurchaseOrderLineRescheduled', () => {
    it('moves the line once per input, keeps the history with reasons, and dead-letters an unknown line', async () => {
      const s = sku();
      const po = `PO-${randomUUID()}`;
      const later = input('PurchaseOrderLineRescheduled', { purchaseOrderId: po, sku: s, expectedAt: '2026-12-09T00:00:00Z', reason: 'port strike' });
      const unknown = input('PurchaseOrderLineRescheduled', { purchaseOrderId: `PO-${randomUUID()}`, sku: s, expectedAt: '2026-12-09T00:00:00Z' });
      const earlier = input('PurchaseOrderLineRescheduled', { purchaseOrderId: po, sku: s, expectedAt: '2026-12-07T00:00:00Z' });
      await publish(TOPICS.purchaseOrders, s, [input('PurchaseOrderLinePlaced', placement(po, s)), later, later, unknown, earlier]);

      const events = await supplyEvents(s, (all) => all.some((e) => e.causationid === earlier.id));
      expect(events.filter((e) => e.type === 'SupplyRescheduled').map((e) => e.data)).toEqual([
        { purchaseOrderId: po, sku: s, expectedAt: '2026-12-09T00:00:00Z', previousExpectedAt: '2026-12-05T00:00:00Z', reason: 'port strike', remainingQuantity: 10 },
        { purchaseOrderId: po, sku: s, expectedAt: '2026-12-07T00:00:00Z', previousExpectedAt: '2026-12-09T00:00:00Z', reason: null, remainingQuantity: 10 },
      ]);
      const letter = await deadLetter(TOPICS.purchaseOrders, unknown.id);
      expect(codeOf(letter)).toBe('REJECTED');
      expect(letter.headers?.[DLQ_HEADER.reason]?.toString()).toContain('SUPPLY.UNKNOWN_PURCHASE_ORDER_LINE');

      const { body } = await getJson(`/purchase-orders/${po}`);
      expect(body.lines[0].expectedAt).toBe('2026-12-07T00:00:00Z');
      expect(body.lines[0].reschedules).toEqual([
        { previousExpectedAt: '2026-12-05T00:00:00Z', expectedAt: '2026-12-09T00:00:00Z', reason: 'port strike', rescheduledAt: TIME },
        { previousExpectedAt: '2026-12-09T00:00:00Z', expectedAt: '2026-12-07T00:00:00Z', reason: null, rescheduledAt: TIME },
      ]);
    });
  });

  describe('PurchaseOrderLineCancelled', () => {
    it('cancels the remaining quantity once and dead-letters an unknown line', async () => {
      const s = sku();
      const po = `PO-${randomUUID()}`;
      const cancel = input('PurchaseOrderLineCancelled', { purchaseOrderId: po, sku: s });
      const unknown = input('PurchaseOrderLineCancelled', { purchaseOrderId: `PO-${randomUUID()}`, sku: s });
      const marker = input('PurchaseOrderLinePlaced', placement(`PO-${randomUUID()}`, s, 1));
      await publish(TOPICS.purchaseOrders, s, [input('PurchaseOrderLinePlaced', placement(po, s)), cancel, cancel, input('PurchaseOrderLineCancelled', { purchaseOrderId: po, sku: s }), unknown, marker]);

      const events = await supplyEvents(s, (all) => all.some((e) => e.causationid === marker.id));
      expect(events.filter((e) => e.type === 'SupplyCancelled').map((e) => e.data)).toEqual([{ purchaseOrderId: po, sku: s, cancelledQuantity: 10 }]);
      expect(codeOf(await deadLetter(TOPICS.purchaseOrders, unknown.id))).toBe('REJECTED');
      const { body } = await getJson(`/purchase-orders/${po}`);
      expect(body.lines[0]).toMatchObject({ status: 'CANCELLED', remainingQuantity: 0, orderedQuantity: 10 });
    });
  });

  describe('GoodsReceived', () => {
    it('reduces the pipeline of the line it names, once, and records unplanned receipts as stock', async () => {
      const s = sku();
      const po = `PO-${randomUUID()}`;
      const cancelledPo = `PO-${randomUUID()}`;
      await publish(TOPICS.purchaseOrders, s, [
        input('PurchaseOrderLinePlaced', placement(po, s)),
        input('PurchaseOrderLinePlaced', placement(cancelledPo, s)),
        input('PurchaseOrderLineCancelled', { purchaseOrderId: cancelledPo, sku: s }),
      ]);
      await supplyEvents(s, (all) => all.some((e) => e.type === 'SupplyCancelled'));

      const receipt = (receiptId: string, quantity: number, purchaseOrderId?: string) =>
        input('GoodsReceived', { receiptId, sku: s, quantity, warehouseId: 'WH-1', receivedAt: '2026-12-01T09:00:00Z', ...(purchaseOrderId ? { purchaseOrderId } : {}) });
      const planned = receipt('R-1', 6, po);
      const over = receipt('R-2', 7, po);
      const withoutOrder = receipt('R-3', 2);
      const againstCancelled = receipt('R-4', 3, cancelledPo);
      const againstUnknown = receipt('R-5', 1, `PO-${randomUUID()}`);
      const conflicting = receipt('R-1', 5, po);
      const shipment = input('ShipmentDispatched', { shipmentId: 'S-1', orderId: 'O-1', lineId: 'L-1', sku: s, warehouseId: 'WH-1', quantity: 1, dispatchedAt: TIME });
      await publish(TOPICS.warehouseEvents, s, [planned, planned, receipt('R-1', 6, po), shipment, over, withoutOrder, againstCancelled, conflicting, againstUnknown]);

      const events = await supplyEvents(s, (all) => all.some((e) => e.causationid === againstUnknown.id));
      const received = events.filter((e) => e.type === 'SupplyReceived').map((e) => [e.data.receiptId, e.data.quantity, e.data.pipelineReduction, e.data.unplanned, e.data.purchaseOrderId]);
      expect(received).toEqual([
        ['R-1', 6, 6, false, po],
        ['R-2', 7, 4, false, po],
        ['R-3', 2, 0, true, null],
        ['R-4', 3, 0, true, cancelledPo],
        ['R-5', 1, 0, true, againstUnknown.data.purchaseOrderId],
      ]);
      expect(events.find((e) => e.data.receiptId === 'R-1')).toMatchObject({ time: TIME, causationid: planned.id, data: { warehouseId: 'WH-1', receivedAt: '2026-12-01T09:00:00Z' } });
      expect(codeOf(await deadLetter(TOPICS.warehouseEvents, conflicting.id))).toBe('CONFLICTING_DUPLICATE');

      const { body } = await getJson(`/purchase-orders/${po}`);
      expect(body.lines[0]).toMatchObject({ orderedQuantity: 10, receivedQuantity: 13, remainingQuantity: 0, status: 'RECEIVED' });
      const cancelled = await getJson(`/purchase-orders/${cancelledPo}`);
      expect(cancelled.body.lines[0]).toMatchObject({ receivedQuantity: 0, status: 'CANCELLED' });

      // The shipment is inventory's business: passed over, so not recorded as processed here.
      const client = new Client({ connectionString: running.testDb.url });
      await client.connect();
      try {
        const recorded = await client.query('SELECT input_id FROM supplier_receipts.processed_inputs WHERE input_id = ANY($1)', [[shipment.id, planned.id]]);
        expect(recorded.rows.map((row: { input_id: string }) => row.input_id)).toEqual([planned.id]);
      } finally {
        await client.end();
      }
    });
  });

  describe('poison messages', () => {
    it('go to the dead-letter topic of their input topic with a reason, and the messages behind them are handled', async () => {
      const s = sku();
      const po = `PO-${randomUUID()}`;
      const invalid = input('PurchaseOrderLinePlaced', { ...placement(po, s), quantity: 0 });
      const unknownType = input('PurchaseOrderLineTeleported', placement(po, s));
      const after = input('PurchaseOrderLinePlaced', placement(po, s));
      await running.kafka.publish(TOPICS.purchaseOrders, [
        { key: s, value: '{not json' },
        { key: s, value: invalid },
        { key: s, value: unknownType },
        { key: s, value: after },
      ]);
      const badReceipt = input('GoodsReceived', { receiptId: 'R-1', sku: s, quantity: -1, warehouseId: 'WH-1', receivedAt: TIME });
      const goodReceipt = input('GoodsReceived', { receiptId: 'R-2', sku: s, quantity: 1, warehouseId: 'WH-1', receivedAt: TIME, purchaseOrderId: po });
      await publish(TOPICS.warehouseEvents, s, [badReceipt, goodReceipt]);

      await supplyEvents(s, (all) => all.some((e) => e.causationid === after.id) && all.some((e) => e.causationid === goodReceipt.id));
      const letter = await deadLetter(TOPICS.purchaseOrders, invalid.id);
      expect(codeOf(letter)).toBe('INVALID_DATA');
      expect(letter.headers?.[DLQ_HEADER.reason]?.toString()).toContain('data.quantity');
      expect(codeOf(await deadLetter(TOPICS.purchaseOrders, unknownType.id))).toBe('UNKNOWN_TYPE');
      expect(codeOf(await deadLetter(TOPICS.warehouseEvents, badReceipt.id))).toBe('INVALID_DATA');
      const notJson = await running.kafka.readUntil(deadLetterTopic(TOPICS.purchaseOrders), (all) => all.some((m) => m.value?.toString() === '{not json'));
      expect(codeOf(notJson.find((m) => m.value?.toString() === '{not json')!)).toBe('INVALID_JSON');
    });
  });

  describe('HTTP', () => {
    it('POST /purchase-orders forwards the line to the purchasing topic (202), idempotently, and GET shows it', async () => {
      const s = sku();
      const po = `PO-${randomUUID()}`;
      const first = await postJson('/purchase-orders', placement(po, s));
      const again = await postJson('/purchase-orders', placement(po, s));
      expect(first.status).toBe(202);
      expect(again).toEqual(first);
      const { body } = await eventually(async () => {
        const found = await getJson(`/purchase-orders/${po}`);
        return found.status === 200 ? found : undefined;
      });
      expect(body.lines).toEqual([expect.objectContaining({ sku: s, orderedQuantity: 10, remainingQuantity: 10, status: 'OPEN' })]);
      // The topic also holds the poison messages of another test, so only this SKU's messages are parsed.
      const ofSku = (all: readonly KafkaMessage[]) => all.filter((m) => m.key?.toString() === s).map((m) => parseValue<Envelope>(m));
      const forwarded = ofSku(await running.kafka.readUntil(TOPICS.purchaseOrders, (all) => ofSku(all).length >= 2));
      expect(new Set(forwarded.map((e) => e.id))).toEqual(new Set([first.body.id]));
      const events = await supplyEvents(s, (all) => all.length > 0);
      expect(events.filter((e) => e.type === 'SupplyExpected')).toHaveLength(1);

      const conflicting = await postJson('/purchase-orders', placement(po, s, 11));
      expect(conflicting.status).toBe(409);
      expect(conflicting.body.code).toBe('SUPPLY.CONFLICTING_DUPLICATE');
    });

    it('POST /purchase-orders answers 400 with the field errors', async () => {
      const { quantity: _quantity, ...withoutQuantity } = placement('PO-1', sku());
      const missing = await postJson('/purchase-orders', { ...withoutQuantity, expectedAt: 'next tuesday', extra: true });
      expect(missing.status).toBe(400);
      const fields = missing.body.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['quantity', 'expectedAt', 'extra']));
    });

    it('POST /purchase-orders/{id}/reschedule forwards a reschedule (202) that shows in the history; 404 for an unknown line, 400 for bad input', async () => {
      const s = sku();
      const po = `PO-${randomUUID()}`;
      await publish(TOPICS.purchaseOrders, s, [input('PurchaseOrderLinePlaced', placement(po, s))]);
      await eventually(async () => ((await getJson(`/purchase-orders/${po}`)).status === 200 ? true : undefined));

      const accepted = await postJson(`/purchase-orders/${po}/reschedule`, { sku: s, expectedAt: '2026-12-20T00:00:00Z', reason: 'supplier short' });
      expect(accepted.status).toBe(202);
      const line = await eventually(async () => {
        const { body } = await getJson(`/purchase-orders/${po}`);
        return body.lines[0].reschedules.length > 0 ? body.lines[0] : undefined;
      });
      expect(line).toMatchObject({ expectedAt: '2026-12-20T00:00:00Z', reschedules: [{ previousExpectedAt: '2026-12-05T00:00:00Z', expectedAt: '2026-12-20T00:00:00Z', reason: 'supplier short' }] });

      const unknown = await postJson(`/purchase-orders/PO-${randomUUID()}/reschedule`, { sku: s, expectedAt: '2026-12-20T00:00:00Z' });
      expect(unknown.status).toBe(404);
      const bad = await postJson(`/purchase-orders/${po}/reschedule`, { sku: 'has space', expectedAt: '2026-12-20' });
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['expectedAt', 'sku']);
    });

    it('POST /receipts forwards the receipt to the warehouse topic (202), with one effect when repeated; 400 for bad input', async () => {
      const s = sku();
      const body = { receiptId: `R-${randomUUID()}`, sku: s, quantity: 3, warehouseId: 'WH-1', receivedAt: TIME };
      const first = await postJson('/receipts', body);
      const again = await postJson('/receipts', body);
      expect(first.status).toBe(202);
      expect(again.body.id).toBe(first.body.id);
      const events = await supplyEvents(s, (all) => all.length > 0);
      expect(events.map((e) => e.data)).toEqual([{ ...body, purchaseOrderId: null, pipelineReduction: 0, unplanned: true }]);

      const bad = await postJson('/receipts', { ...body, quantity: 1.5, warehouseId: '' });
      expect(bad.status).toBe(400);
      expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['quantity', 'warehouseId']);
    });

    it('GET /purchase-orders/{id} answers 404 for an unknown purchase order', async () => {
      const { status, body } = await getJson(`/purchase-orders/PO-${randomUUID()}`);
      expect(status).toBe(404);
      expect(body.code).toBe('SUPPLY.UNKNOWN_PURCHASE_ORDER');
    });
  });
});
