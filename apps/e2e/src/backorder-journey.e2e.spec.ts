import { randomUUID } from 'node:crypto';
import { KafkaMessage } from 'kafkajs';
import { cloudEvent, TOPICS, validateMessage } from '@restock/contracts';
import { eventually, parseValue } from '@restock/testing';
import { defineProduct, useStack } from './testing/stack';

interface Update {
  id: string;
  type: string;
  causationid: string;
  data: Record<string, unknown> & { lines?: Record<string, unknown>[] };
}

const DAY_MS = 86_400_000;

function input(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'e2e', type, time, data });
}

describe('a backorder journey through the running services', () => {
  const running = useStack('journey', { tickIntervalMs: 0 });
  const sku = `SHOE-${randomUUID().slice(0, 8)}`;
  const orderIds = { A: `A-${sku}`, B: `B-${sku}`, C: `C-${sku}` };

  async function updatesUntil(done: (byOrder: Map<string, Update[]>) => boolean): Promise<Map<string, Update[]>> {
    const group = (messages: readonly KafkaMessage[]) => {
      const byOrder = new Map<string, Update[]>();
      for (const message of messages) {
        const key = message.key?.toString() ?? '';
        if (!Object.values(orderIds).includes(key)) continue;
        byOrder.set(key, [...(byOrder.get(key) ?? []), parseValue<Update>(message)]);
      }
      return byOrder;
    };
    return group(await running.kafka.readUntil(TOPICS.customerUpdates, (messages) => done(group(messages)), 30_000));
  }

  const typesOf = (updates: Map<string, Update[]>, orderId: string) => (updates.get(orderId) ?? []).map((update) => update.type);

  async function placeOrder(orderId: string, placedAt: string): Promise<void> {
    await running.kafka.publish(TOPICS.ecommerceOrders, [
      { key: orderId, value: input('OrderPlaced', placedAt, { orderId, customerId: `cust-${orderId}`, placedAt, lines: [{ lineId: 'L1', sku, quantity: 4 }] }) },
    ]);
    await updatesUntil((byOrder) => typesOf(byOrder, orderId).includes('OrderAcknowledged'));
  }

  it('dates backorders, re-dates them when the supplier slips, moves the queue on a cancellation and fills it first in, first out', async () => {
    const { stack, kafka } = running;
    expect(await defineProduct(stack, sku, { name: 'Trail shoe', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' })).toBe(200);
    await kafka.publish(TOPICS.purchaseOrders, [
      {
        key: sku,
        value: input('PurchaseOrderLinePlaced', '2026-11-30T08:00:00Z', { purchaseOrderId: 'PO-1', sku, quantity: 10, supplierId: 'SUP-1', expectedAt: '2026-12-05T00:00:00Z' }),
      },
    ]);
    await eventually(async () => {
      // A backorderable product with a lead time is BACKORDER before the purchase order arrives too
      // (ESTIMATED); wait for the purchase order's own date, or the orders below may be dated without it.
      const answer = (await (await fetch(`${stack.fulfillment.url}/availability/${sku}?quantity=4`)).json()) as { status?: string; etaConfidence?: string };
      return answer.status === 'BACKORDER' && answer.etaConfidence === 'CONFIRMED' ? true : undefined;
    }, 30_000);

    await placeOrder(orderIds.A, '2026-12-01T10:00:00Z');
    await placeOrder(orderIds.B, '2026-12-01T10:01:00Z');
    await placeOrder(orderIds.C, '2026-12-01T10:02:00Z');
    const acknowledged = await updatesUntil((byOrder) => Object.values(orderIds).every((id) => typesOf(byOrder, id).length >= 1));
    const ackLine = (orderId: string) => acknowledged.get(orderId)![0]!.data.lines![0]!;
    expect(ackLine(orderIds.A)).toMatchObject({ status: 'BACKORDERED', backorderedQuantity: 4, eta: '2026-12-05', etaConfidence: 'CONFIRMED' });
    expect(ackLine(orderIds.B)).toMatchObject({ status: 'BACKORDERED', eta: '2026-12-05', etaConfidence: 'CONFIRMED' });
    expect(ackLine(orderIds.C)).toMatchObject({ status: 'BACKORDERED', eta: '2026-12-15', etaConfidence: 'ESTIMATED' });

    await kafka.publish(TOPICS.purchaseOrders, [
      { key: sku, value: input('PurchaseOrderLineRescheduled', '2026-12-02T09:00:00Z', { purchaseOrderId: 'PO-1', sku, expectedAt: '2026-12-08T00:00:00Z', reason: 'vessel delayed' }) },
    ]);
    await updatesUntil((byOrder) => typesOf(byOrder, orderIds.A).length >= 2 && typesOf(byOrder, orderIds.B).length >= 2);

    await kafka.publish(TOPICS.ecommerceOrders, [{ key: orderIds.B, value: input('OrderCancelled', '2026-12-03T09:00:00Z', { orderId: orderIds.B, reason: 'changed mind' }) }]);
    await updatesUntil((byOrder) => typesOf(byOrder, orderIds.C).length >= 2);

    await kafka.publish(TOPICS.warehouseEvents, [
      {
        key: sku,
        value: input('GoodsReceived', '2026-12-08T07:00:00Z', { receiptId: 'R-1', sku, quantity: 10, warehouseId: 'WH-1', receivedAt: '2026-12-08T07:00:00Z', purchaseOrderId: 'PO-1' }),
      },
    ]);
    // B's updates too: they are asserted below, and each order's updates are on its own partition,
    // which a reader may reach after A's and C's.
    const updates = await updatesUntil(
      (byOrder) => typesOf(byOrder, orderIds.A).length >= 4 && typesOf(byOrder, orderIds.B).length >= 3 && typesOf(byOrder, orderIds.C).length >= 4,
    );

    expect(typesOf(updates, orderIds.A)).toEqual(['OrderAcknowledged', 'OrderLineEtaChanged', 'OrderLineAllocated', 'PaymentAuthorizationRequested']);
    expect(typesOf(updates, orderIds.B)).toEqual(['OrderAcknowledged', 'OrderLineEtaChanged', 'OrderLineCancelled']);
    expect(typesOf(updates, orderIds.C)).toEqual(['OrderAcknowledged', 'OrderLineEtaChanged', 'OrderLineAllocated', 'PaymentAuthorizationRequested']);
    const [, slipA] = updates.get(orderIds.A)!;
    expect(slipA!.data).toMatchObject({ previousEta: '2026-12-05', eta: '2026-12-08', etaConfidence: 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED' });
    expect(updates.get(orderIds.B)![2]!.data).toMatchObject({ quantity: 4, releasedQuantity: 0, reason: 'CUSTOMER' });
    expect(updates.get(orderIds.C)![1]!.data).toMatchObject({ previousEta: '2026-12-15', eta: '2026-12-08', etaConfidence: 'CONFIRMED', cause: 'QUEUE_MOVED' });
    expect(updates.get(orderIds.A)![2]!.data).toMatchObject({ quantity: 4, allocatedQuantity: 4, remainingQuantity: 0 });
    expect(updates.get(orderIds.C)![3]!.data).toMatchObject({ lines: [{ lineId: 'L1', sku, quantity: 4 }] });
    for (const update of [...updates.values()].flat()) {
      expect(validateMessage(TOPICS.customerUpdates, JSON.stringify(update))).toMatchObject({ ok: true });
    }

    const order = async (orderId: string) => (await (await fetch(`${stack.orders.url}/orders/${orderId}`)).json()) as Record<string, unknown>;
    expect(await order(orderIds.A)).toMatchObject({ status: 'ALLOCATED', lines: [{ lineId: 'L1', allocatedQuantity: 4, backorderedQuantity: 0, cancelledQuantity: 0 }] });
    expect(await order(orderIds.B)).toMatchObject({ status: 'CANCELLED', lines: [{ cancelledQuantity: 4, allocatedQuantity: 0 }] });
    expect(((await order(orderIds.C)).history as unknown[]).length).toBe(4);

    const queue = (await (await fetch(`${stack.fulfillment.url}/backorders/${sku}`)).json()) as { lines: unknown[] };
    expect(queue).toEqual({ sku, lines: [] });
    const inStock = await (await fetch(`${stack.fulfillment.url}/availability/${sku}?quantity=2`)).json();
    expect(inStock).toEqual({ sku, quantity: 2, status: 'IN_STOCK', canOrder: true, availableNow: 2, eta: null, etaConfidence: null });
    const beyond = (await (await fetch(`${stack.fulfillment.url}/availability/${sku}?quantity=3`)).json()) as Record<string, unknown>;
    const leadTimeDay = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS + 14 * DAY_MS).toISOString().slice(0, 10);
    expect(beyond).toMatchObject({ status: 'BACKORDER', canOrder: true, availableNow: 2, etaConfidence: 'ESTIMATED' });
    expect((beyond.eta as string) >= leadTimeDay).toBe(true);

    const stock = await eventually(async () => {
      const body = (await (await fetch(`${stack.inventory.url}/inventory/${sku}`)).json()) as { onHand: number; allocated: number };
      return body.allocated === 8 ? body : undefined;
    });
    expect(stock).toMatchObject({ onHand: 10, allocated: 8, atp: 2, queueDepth: 0, pipeline: [] });
  }, 180_000);
});
