import { randomUUID } from 'node:crypto';
import { cloudEvent, TOPICS, validateMessage } from '@restock/contracts';
import { eventually, javaKafkaClient, parseValue, TEST_BROKERS } from '@restock/testing';
import { defineProduct, useStack } from './testing/stack';

/** snappy is the codec whose framing is the Java client's own; zstd the newest Kafka has. */
const UPSTREAM_CODECS = ['snappy', 'zstd'] as const;

const java = javaKafkaClient(TEST_BROKERS);
const describeWithJava = java === null ? describe.skip : describe;
if (java === null) process.stderr.write('upstream-java-client.e2e.spec: no Java or Maven here, so the Java client cannot run; skipped\n');

describeWithJava("orders from an upstream platform on Kafka's Java client, with compression", () => {
  const running = useStack('java-upstream', { tickIntervalMs: 0 });
  const sku = `BOOT-${randomUUID().slice(0, 8)}`;

  it('acknowledges each order, and a Java consumer reads the acknowledgements from the transactional output', async () => {
    const { stack, kafka } = running;
    expect(await defineProduct(stack, sku, { name: 'Winter boot', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' })).toBe(200);
    await eventually(async () => {
      const answer = (await (await fetch(`${stack.fulfillment.url}/availability/${sku}?quantity=2`)).json()) as { status?: string };
      return answer.status === 'BACKORDER' ? true : undefined;
    }, 30_000);

    const orderIds = UPSTREAM_CODECS.map((codec) => `${codec}-${sku}`);
    const ordersTopic = kafka.namer.physical(TOPICS.ecommerceOrders);
    for (const [at, codec] of UPSTREAM_CODECS.entries()) {
      const orderId = orderIds[at]!;
      const placedAt = '2026-12-01T10:00:00Z';
      const order = cloudEvent({ id: randomUUID(), source: 'java-storefront', type: 'OrderPlaced', time: placedAt, data: { orderId, customerId: `cust-${orderId}`, placedAt, lines: [{ lineId: 'L1', sku, quantity: 2 }] } });
      await java!.produce([{ topic: ordersTopic, key: orderId, value: JSON.stringify(order) }], { [ordersTopic]: codec });
    }

    const acknowledged = (keys: readonly (string | undefined)[]) => orderIds.every((orderId) => keys.includes(orderId));
    const ours = await kafka.readUntil(TOPICS.customerUpdates, (messages) => acknowledged(messages.map((message) => message.key?.toString())), 30_000);
    for (const orderId of orderIds) {
      const update = parseValue<{ type: string; data: { orderId: string; lines: { status: string }[] } }>(ours.find((message) => message.key?.toString() === orderId)!);
      expect({ orderId, type: update.type, status: update.data.lines[0]!.status }).toEqual({ orderId, type: 'OrderAcknowledged', status: 'BACKORDERED' });
    }

    const theirs = await java!.consume([kafka.namer.physical(TOPICS.customerUpdates)], ours.length);
    const read = theirs.map((record) => JSON.parse(record.value) as { type: string; data: { orderId: string } });
    expect(orderIds.map((orderId) => read.find((update) => update.data.orderId === orderId)?.type)).toEqual(orderIds.map(() => 'OrderAcknowledged'));
    for (const record of theirs) expect(validateMessage(TOPICS.customerUpdates, record.value)).toMatchObject({ ok: true });
  }, 120_000);
});
