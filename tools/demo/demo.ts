// `npm run demo`: a short, realistic backorder story published on Restock's input topics while
// `npm start` runs. It prints every customer update as it arrives.
import { randomUUID } from 'node:crypto';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { createIdempotentProducer, createKafka, parseBrokers } from '@restock/messaging';

const CATALOG_URL = process.env.CATALOG_URL ?? `http://127.0.0.1:${process.env.CATALOG_PORT ?? 3001}`;
const FULFILLMENT_URL = process.env.FULFILLMENT_URL ?? `http://127.0.0.1:${process.env.FULFILLMENT_PORT ?? 3005}`;
const STEP_WAIT_MS = 2_500;
const UPDATE_WAIT_MS = 20_000;
const DAY_MS = 86_400_000;

const sku = `BOOT-${randomUUID().slice(0, 6).toUpperCase()}`;
const customers = [
  { name: 'Ann', orderId: `ORD-ANN-${sku}`, quantity: 2 },
  { name: 'Ben', orderId: `ORD-BEN-${sku}`, quantity: 3 },
  { name: 'Cleo', orderId: `ORD-CLEO-${sku}`, quantity: 3 },
];
const nameOf = new Map(customers.map((customer) => [customer.orderId, customer.name]));

const kafka = createKafka({ brokers: parseBrokers(process.env.KAFKA_BROKERS), clientId: 'restock-demo', topicPrefix: process.env.RESTOCK_TOPIC_PREFIX ?? '' });
const prefix = process.env.RESTOCK_TOPIC_PREFIX ?? '';
const producer = createIdempotentProducer(kafka);

function say(text: string): void {
  process.stdout.write(`\n${text}\n`);
}

function dayFromNow(days: number): string {
  return new Date(Date.now() + days * DAY_MS).toISOString();
}

async function publish(topic: string, key: string, type: string, data: Record<string, unknown>): Promise<void> {
  const event = cloudEvent({ id: randomUUID(), source: 'restock-demo', type, time: new Date().toISOString(), data });
  await producer.send({ topic: `${prefix}${topic}`, acks: -1, messages: [{ key, value: JSON.stringify(event) }] });
}

function describe(update: { type: string; data: Record<string, unknown> }): string {
  const data = update.data;
  switch (update.type) {
    case 'OrderAcknowledged': {
      const [line] = data.lines as Record<string, unknown>[];
      return `order accepted: ${String(line!.status)}, ${String(line!.allocatedQuantity)} allocated, ${String(line!.backorderedQuantity)} on backorder, ships ${String(line!.eta ?? 'now')} (${String(line!.etaConfidence ?? 'in stock')})`;
    }
    case 'OrderLineEtaChanged':
      return `new date: ${String(data.previousEta)} → ${String(data.eta)} (${String(data.etaConfidence)}, ${String(data.cause)})`;
    case 'OrderLineAllocated':
      return `${String(data.quantity)} allocated from the new stock, ${String(data.remainingQuantity)} still waiting`;
    case 'PaymentAuthorizationRequested':
      return 'everything is here: payment authorization requested';
    case 'OrderLineBackorderAtRisk':
      return `at risk: ships ${String(data.eta)}, after the deadline ${String(data.deadline)}`;
    case 'OrderLineCancelled':
      return `cancelled ${String(data.quantity)} (${String(data.reason)})`;
    default:
      return update.type;
  }
}

async function watchUpdates(): Promise<() => Promise<void>> {
  const consumer = kafka.consumer({ groupId: `restock-demo-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}${TOPICS.customerUpdates}`, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const name = nameOf.get(message.key?.toString() ?? '');
      if (!name) return;
      const update = JSON.parse(message.value?.toString() ?? '{}') as { type: string; data: Record<string, unknown> };
      process.stdout.write(`  ${name.padEnd(5)} ← ${update.type}: ${describe(update)}\n`);
    },
  });
  return () => consumer.disconnect();
}

async function pause(ms = STEP_WAIT_MS): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  await producer.connect();
  const stopWatching = await watchUpdates();
  say(`1. The catalog lists ${sku}, an alpine boot: backorderable, 14 days supplier lead time, 30 days backorder limit.`);
  const defined = await fetch(`${CATALOG_URL}/products/${sku}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Alpine boot', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }),
  });
  if (!defined.ok) throw new Error(`catalog answered ${defined.status}: is \`npm start\` running?`);

  say('2. Purchasing orders 5 boots from the supplier, expected in 5 days.');
  await publish(TOPICS.purchaseOrders, sku, 'PurchaseOrderLinePlaced', { purchaseOrderId: `PO-${sku}`, sku, quantity: 5, supplierId: 'ALPS-SUPPLY', expectedAt: dayFromNow(5) });
  await pause();
  const availability = await (await fetch(`${FULFILLMENT_URL}/availability/${sku}?quantity=2`)).json();
  say(`   The storefront asks for 2: ${JSON.stringify(availability)}`);

  say('3. Ann orders 2, Ben 3, Cleo 3: nothing is on the shelf, so they wait in line.');
  for (const customer of customers) {
    await publish(TOPICS.ecommerceOrders, customer.orderId, 'OrderPlaced', {
      orderId: customer.orderId,
      customerId: customer.name,
      placedAt: new Date().toISOString(),
      lines: [{ lineId: '1', sku, quantity: customer.quantity }],
    });
    await pause(1_000);
  }
  await pause();

  say('4. The supplier slips: the boots now come in 8 days.');
  await publish(TOPICS.purchaseOrders, sku, 'PurchaseOrderLineRescheduled', { purchaseOrderId: `PO-${sku}`, sku, expectedAt: dayFromNow(8), reason: 'factory backlog' });
  await pause();

  say('5. The warehouse receives the 5 boots: first in, first out.');
  await publish(TOPICS.warehouseEvents, sku, 'GoodsReceived', { receiptId: `RCV-${sku}`, sku, quantity: 5, warehouseId: 'WH-EAST', receivedAt: new Date().toISOString(), purchaseOrderId: `PO-${sku}` });
  await pause(UPDATE_WAIT_MS / 4);

  const queue = await (await fetch(`${FULFILLMENT_URL}/backorders/${sku}`)).json();
  say(`6. Still waiting: ${JSON.stringify(queue)}`);
  await stopWatching();
  await producer.disconnect();
}

main().catch(async (error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await producer.disconnect().catch(() => undefined);
  process.exit(1);
});
