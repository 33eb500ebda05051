import { randomUUID } from 'node:crypto';
import { KafkaMessage } from 'kafkajs';
import { cloudEvent, deadLetterTopic, deterministicId, TOPICS, validateMessage } from '@restock/contracts';
import { DLQ_HEADER } from '@restock/messaging';
import { eventually, parseValue } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { ordersService } from './orders.module';

interface Event {
  id: string;
  type: string;
  time: string;
  causationid?: string;
  data: Record<string, unknown>;
}

const PLACED_AT = '2026-12-01T10:00:00Z';

function orderPlaced(orderId: string, lines: readonly { lineId: string; sku: string; quantity: number }[], customerId = 'customer-1') {
  return cloudEvent({
    id: randomUUID(),
    source: 'test/shop',
    type: 'OrderPlaced',
    time: '2026-12-01T10:00:01Z',
    data: { orderId, customerId, placedAt: PLACED_AT, lines },
  });
}

function fact(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'restock/fulfillment', type, time, data, causationid: randomUUID() });
}

function decided(orderId: string, lineId: string, sku: string, quantity: number, allocated: number, time: string) {
  const waiting = quantity - allocated;
  return fact('LineDecided', time, {
    orderId,
    lineId,
    sku,
    quantity,
    status: waiting === 0 ? 'ALLOCATED' : allocated === 0 ? 'BACKORDERED' : 'PARTIALLY_ALLOCATED',
    allocatedQuantity: allocated,
    backorderedQuantity: waiting,
    rejectedQuantity: 0,
    rejectionReason: null,
    eta: waiting === 0 ? null : '2026-12-10',
    etaConfidence: waiting === 0 ? null : 'CONFIRMED',
    acceptedAt: PLACED_AT,
    deadline: waiting === 0 ? null : '2026-12-31',
  });
}

function events(messages: readonly KafkaMessage[]): Event[] {
  return messages.map((message) => parseValue<Event>(message));
}

describe('orders service', () => {
  const running = serviceUnderTest('orders', ordersService);

  function readOrderEvents(until: (found: readonly Event[]) => boolean): Promise<Event[]> {
    return running.kafka.readUntil(TOPICS.orderEvents, (messages) => until(events(messages))).then(events);
  }

  async function customerUpdatesOf(orderId: string, count: number): Promise<Event[]> {
    const messages = await running.kafka.readUntil(TOPICS.customerUpdates, (read) => read.filter((message) => message.key?.toString() === orderId).length >= count);
    return messages.filter((message) => message.key?.toString() === orderId).map((message) => parseValue<Event>(message));
  }

  async function processed(inputId: string): Promise<true | undefined> {
    const result = await running.db.query('SELECT 1 FROM processed_inputs WHERE input_id = $1', [inputId]);
    return result.rows.length > 0 ? true : undefined;
  }

  async function deadLetterOf(inputId: string): Promise<KafkaMessage> {
    const messages = await running.kafka.readUntil(deadLetterTopic(TOPICS.ecommerceOrders), (read) => read.some((message) => message.value?.toString().includes(inputId)));
    return messages.find((message) => message.value?.toString().includes(inputId))!;
  }

  describe('taking orders in from ecommerce.orders.v1', () => {
    const orderId = `order-${randomUUID()}`;
    const lines = [
      { lineId: 'line-1', sku: `SKU-A-${randomUUID()}`, quantity: 2 },
      { lineId: 'line-2', sku: `SKU-B-${randomUUID()}`, quantity: 3 },
    ];
    const placed = orderPlaced(orderId, lines);

    it('publishes one OrderLinePlaced per line, keyed by sku, at the time of the order', async () => {
      await running.kafka.publish(TOPICS.ecommerceOrders, [{ key: orderId, value: placed }]);
      const messages = await running.kafka.readUntil(TOPICS.orderEvents, (read) => events(read).filter((event) => event.causationid === placed.id).length >= 2);
      // Each line goes to its SKU's partition, so the lines may be read in any order.
      const linePlaced = messages
        .filter((message) => parseValue<Event>(message).causationid === placed.id)
        .sort((a, b) => String(parseValue<Event>(a).data.lineId).localeCompare(String(parseValue<Event>(b).data.lineId)));
      expect(linePlaced.map((message) => message.key?.toString())).toEqual(lines.map((line) => line.sku));
      expect(events(linePlaced)).toEqual(
        lines.map((line) => ({
          specversion: '1.0',
          id: deterministicId(placed.id, 'OrderLinePlaced', line.lineId),
          source: 'restock/orders',
          type: 'OrderLinePlaced',
          time: placed.time,
          datacontenttype: 'application/json',
          causationid: placed.id,
          data: { orderId, lineId: line.lineId, sku: line.sku, quantity: line.quantity, placedAt: PLACED_AT, customerId: 'customer-1' },
        })),
      );
      for (const message of linePlaced) expect(validateMessage(TOPICS.orderEvents, message.value)).toMatchObject({ ok: true });
    });

    it('has no second effect when the same order comes again under another id', async () => {
      const again = { ...placed, id: randomUUID() };
      await running.kafka.publish(TOPICS.ecommerceOrders, [{ key: orderId, value: again }]);
      await eventually(() => processed(again.id));
      const stored = await running.db.query('SELECT type FROM events WHERE stream_id = $1', [`order-${orderId}`]);
      expect(stored.rows).toEqual([{ type: 'OrderPlaced' }]);
      const published = await readOrderEvents((found) => found.some((event) => event.causationid === placed.id));
      expect(published.filter((event) => event.causationid === again.id)).toEqual([]);
    });

    it('dead-letters a differing order under a known order id as a conflicting duplicate', async () => {
      const conflicting = orderPlaced(orderId, [{ ...lines[0]!, quantity: 5 }, lines[1]!]);
      await running.kafka.publish(TOPICS.ecommerceOrders, [{ key: orderId, value: conflicting }]);
      const letter = await deadLetterOf(conflicting.id);
      expect(letter.headers?.[DLQ_HEADER.code]?.toString()).toBe('CONFLICTING_DUPLICATE');
      expect(letter.key?.toString()).toBe(orderId);
      expect(await processed(conflicting.id)).toBeUndefined();
    });

    it('dead-letters a poison message and moves on', async () => {
      const marker = `poison-${randomUUID()}`;
      await running.kafka.publish(TOPICS.ecommerceOrders, [{ key: orderId, value: `{"not json ${marker}` }]);
      const letter = await deadLetterOf(marker);
      expect(letter.headers?.[DLQ_HEADER.code]?.toString()).toBe('INVALID_JSON');
    });

    it('asks the saga to cancel each open line of a cancelled order', async () => {
      const cancelled = cloudEvent({ id: randomUUID(), source: 'test/shop', type: 'OrderCancelled', time: '2026-12-02T08:00:00Z', data: { orderId, reason: 'changed my mind' } });
      await running.kafka.publish(TOPICS.ecommerceOrders, [{ key: orderId, value: cancelled }]);
      const requested = (await readOrderEvents((found) => found.filter((event) => event.causationid === cancelled.id).length >= 2))
        .filter((event) => event.causationid === cancelled.id)
        .sort((a, b) => String(a.data.lineId).localeCompare(String(b.data.lineId)));
      expect(requested.map((event) => [event.type, event.time, event.data])).toEqual(
        lines.map((line) => ['OrderLineCancellationRequested', cancelled.time, { orderId, lineId: line.lineId, sku: line.sku, reason: 'changed my mind' }]),
      );
    });
  });

  describe('turning the saga\'s facts into customer updates', () => {
    const orderId = `order-${randomUUID()}`;
    const skuA = `SKU-A-${randomUUID()}`;
    const skuB = `SKU-B-${randomUUID()}`;
    const lines = [
      { lineId: 'line-1', sku: skuA, quantity: 2 },
      { lineId: 'line-2', sku: skuB, quantity: 3 },
    ];

    it('acknowledges first, then what was held, then the payment request once, then later changes', async () => {
      const placed = orderPlaced(orderId, lines);
      await running.kafka.publish(TOPICS.ecommerceOrders, [{ key: orderId, value: placed }]);
      await eventually(() => processed(placed.id));

      const firstDecided = decided(orderId, 'line-1', skuA, 2, 0, '2026-12-01T10:00:02Z');
      const firstAllocated = fact('LineAllocated', '2026-12-01T11:00:00Z', { orderId, lineId: 'line-1', sku: skuA, quantity: 2, allocatedQuantity: 2, remainingQuantity: 0 });
      await running.kafka.publish(TOPICS.fulfillmentEvents, [
        { key: skuA, value: firstDecided },
        { key: skuA, value: firstAllocated },
      ]);
      await eventually(() => processed(firstAllocated.id));
      const pending = (await (await fetch(`${running.url}/orders/${orderId}`)).json()) as { status: string; history: unknown[] };
      expect(pending).toMatchObject({ status: 'PENDING', history: [] });

      const secondDecided = decided(orderId, 'line-2', skuB, 3, 3, '2026-12-01T12:00:00Z');
      await running.kafka.publish(TOPICS.fulfillmentEvents, [{ key: skuB, value: secondDecided }]);
      const shipped = fact('LineShipped', '2026-12-02T09:00:00Z', { orderId, lineId: 'line-2', sku: skuB, shipmentId: 'shipment-1', quantity: 3 });
      await eventually(() => processed(secondDecided.id));
      await running.kafka.publish(TOPICS.fulfillmentEvents, [{ key: skuB, value: shipped }]);

      const updates = await customerUpdatesOf(orderId, 4);
      expect(updates.map((update) => [update.type, update.causationid, update.time])).toEqual([
        ['OrderAcknowledged', secondDecided.id, secondDecided.time],
        ['OrderLineAllocated', firstAllocated.id, firstAllocated.time],
        ['PaymentAuthorizationRequested', secondDecided.id, secondDecided.time],
        ['OrderLineShipped', shipped.id, shipped.time],
      ]);
      expect(updates.map((update) => update.id)).toEqual([
        deterministicId(orderId, 'OrderAcknowledged'),
        deterministicId(firstAllocated.id, 'OrderLineAllocated'),
        deterministicId(secondDecided.id, 'PaymentAuthorizationRequested'),
        deterministicId(shipped.id, 'OrderLineShipped'),
      ]);
      expect(updates[0]!.data).toEqual({
        orderId,
        lines: [
          { lineId: 'line-1', sku: skuA, quantity: 2, status: 'BACKORDERED', allocatedQuantity: 0, backorderedQuantity: 2, rejectedQuantity: 0, eta: '2026-12-10', etaConfidence: 'CONFIRMED', rejectionReason: null },
          { lineId: 'line-2', sku: skuB, quantity: 3, status: 'ALLOCATED', allocatedQuantity: 3, backorderedQuantity: 0, rejectedQuantity: 0, eta: null, etaConfidence: null, rejectionReason: null },
        ],
      });
      expect(updates[2]!.data).toEqual({ orderId, lines: [{ lineId: 'line-1', sku: skuA, quantity: 2 }, { lineId: 'line-2', sku: skuB, quantity: 3 }] });
      for (const update of updates) expect(validateMessage(TOPICS.customerUpdates, JSON.stringify(update))).toMatchObject({ ok: true });

      const view = await eventually(async () => {
        const body = (await (await fetch(`${running.url}/orders/${orderId}`)).json()) as { history: unknown[] };
        return body.history.length === 4 ? body : undefined;
      });
      expect(view).toEqual({
        orderId,
        customerId: 'customer-1',
        placedAt: PLACED_AT,
        status: 'ALLOCATED',
        lines: [
          { lineId: 'line-1', sku: skuA, quantity: 2, allocatedQuantity: 2, backorderedQuantity: 0, rejectedQuantity: 0, shippedQuantity: 0, cancelledQuantity: 0, eta: null, etaConfidence: null },
          { lineId: 'line-2', sku: skuB, quantity: 3, allocatedQuantity: 0, backorderedQuantity: 0, rejectedQuantity: 0, shippedQuantity: 3, cancelledQuantity: 0, eta: null, etaConfidence: null },
        ],
        history: updates,
      });
    }, 60_000);

    it('acknowledges once and requests payment once when the decisions arrive on many partitions at once', async () => {
      const wideOrderId = `order-${randomUUID()}`;
      const wideLines = Array.from({ length: 12 }, (_, index) => ({ lineId: `line-${index}`, sku: `SKU-${index}-${randomUUID()}`, quantity: 1 }));
      const placed = orderPlaced(wideOrderId, wideLines);
      await running.kafka.publish(TOPICS.ecommerceOrders, [{ key: wideOrderId, value: placed }]);
      await eventually(() => processed(placed.id));
      await Promise.all(
        wideLines.map((line) =>
          running.kafka.publish(TOPICS.fulfillmentEvents, [{ key: line.sku, value: decided(wideOrderId, line.lineId, line.sku, 1, 1, '2026-12-01T10:00:02Z') }]),
        ),
      );
      const updates = await customerUpdatesOf(wideOrderId, 2);
      expect(updates.map((update) => update.type)).toEqual(['OrderAcknowledged', 'PaymentAuthorizationRequested']);
      const view = await eventually(async () => {
        const body = (await (await fetch(`${running.url}/orders/${wideOrderId}`)).json()) as { status: string; history: unknown[] };
        return body.history.length === 2 ? body : undefined;
      });
      expect(view.status).toBe('ALLOCATED');
    }, 60_000);

    it('dead-letters a fact about an order it does not know', async () => {
      const stray = decided(`order-${randomUUID()}`, 'line-1', skuA, 1, 1, '2026-12-01T10:00:02Z');
      await running.kafka.publish(TOPICS.fulfillmentEvents, [{ key: skuA, value: stray }]);
      const messages = await running.kafka.readUntil(deadLetterTopic(TOPICS.fulfillmentEvents), (read) => read.some((message) => parseValue<Event>(message).id === stray.id));
      const letter = messages.find((message) => parseValue<Event>(message).id === stray.id)!;
      expect(letter.headers?.[DLQ_HEADER.code]?.toString()).toBe('REJECTED');
    });
  });

  describe('HTTP', () => {
    const post = (path: string, body: unknown) =>
      fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const orderId = `order-${randomUUID()}`;
    const sku = `SKU-${randomUUID()}`;
    const order = { orderId, customerId: 'customer-2', placedAt: PLACED_AT, lines: [{ lineId: 'line-1', sku, quantity: 1 }] };

    it('accepts an order with 202 and takes it in through its own consumer', async () => {
      const response = await post('/orders', order);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ orderId });
      const view = await eventually(async () => {
        const got = await fetch(`${running.url}/orders/${orderId}`);
        return got.status === 200 ? ((await got.json()) as Record<string, unknown>) : undefined;
      });
      expect(view).toMatchObject({ orderId, status: 'PENDING', lines: [{ lineId: 'line-1', sku, quantity: 1, allocatedQuantity: 0 }], history: [] });
      const published = await readOrderEvents((found) => found.some((event) => event.data.orderId === orderId));
      expect(published.filter((event) => event.data.orderId === orderId).map((event) => event.causationid)).toEqual([deterministicId('OrderPlaced', orderId)]);
    });

    it('accepts the same order again and refuses a differing one with 409', async () => {
      expect((await post('/orders', order)).status).toBe(202);
      const conflicting = await post('/orders', { ...order, customerId: 'customer-3' });
      expect(conflicting.status).toBe(409);
      expect(await conflicting.json()).toMatchObject({ code: 'ORDERS.CONFLICTING_DUPLICATE' });
    });

    it('refuses an invalid order with 400 and the field errors', async () => {
      const response = await post('/orders', { ...order, lines: [{ lineId: 'line-1', sku, quantity: 0 }], extra: true });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { fields: { field: string }[] };
      expect(body.fields.map((field) => field.field).sort()).toEqual(['extra', 'lines.0.quantity']);
    });

    it('names a missing field once as missing', async () => {
      const { lines: _lines, ...withoutLines } = order;
      const response = await post('/orders', withoutLines);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { fields: unknown[] }).fields).toEqual([{ field: 'lines', errors: ['lines is required'] }]);
    });

    it('answers 404 with a clear body for an unknown order', async () => {
      const unknown = `order-${randomUUID()}`;
      const got = await fetch(`${running.url}/orders/${unknown}`);
      expect(got.status).toBe(404);
      expect(await got.json()).toMatchObject({ code: 'ORDERS.UNKNOWN_ORDER', message: `no order with id ${unknown}` });
      expect((await post(`/orders/${unknown}/cancel`, {})).status).toBe(404);
    });

    it('refuses to cancel a line the order does not have', async () => {
      const response = await post(`/orders/${orderId}/cancel`, { lineIds: ['line-9'] });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ fields: [{ field: 'lineIds' }] });
    });

    it('refuses an invalid cancellation body', async () => {
      expect((await post(`/orders/${orderId}/cancel`, { lineIds: [] })).status).toBe(400);
    });

    it('accepts a cancellation with 202 and asks the saga to cancel the line', async () => {
      const response = await post(`/orders/${orderId}/cancel`, { lineIds: ['line-1'], reason: 'too late' });
      expect(response.status).toBe(202);
      const requested = await readOrderEvents((found) => found.some((event) => event.type === 'OrderLineCancellationRequested' && event.data.orderId === orderId));
      expect(requested.filter((event) => event.type === 'OrderLineCancellationRequested' && event.data.orderId === orderId).map((event) => event.data)).toEqual([
        { orderId, lineId: 'line-1', sku, reason: 'too late' },
      ]);
    });
  });
});
