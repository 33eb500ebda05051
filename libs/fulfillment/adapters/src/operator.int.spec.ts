import { randomUUID } from 'node:crypto';
import { KafkaMessage } from 'kafkajs';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { readStream, replayProjection } from '@restock/event-store';
import { OPERATOR_AUDIT_STREAM } from '@restock/platform';
import { eventually, parseValue, postAsOperator, processedInputCount, publishByTopic, seededRandom, untilProcessed } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { Clock } from './clock';
import { DeadlineTicker } from './deadline-ticker';
import { fulfillmentOperations } from './fulfillment-operations';
import { fulfillmentService } from './fulfillment.module';

const TOKEN = `token-${randomUUID()}`;
const WORKLOAD_INPUTS = 320;
const WORKLOAD_SKUS = 4;

interface Fact {
  type: string;
  data: Record<string, unknown> & { orderId?: string; cause?: string; reason?: string };
}

function input(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'test', type, time, data });
}

type Published = { topic: string; key: string; value: ReturnType<typeof input> };

/** Random demand and supply for a few SKUs: lines placed and cancelled, purchase orders placed, moved and received. */
function workload(seed: number, skus: readonly string[], count: number): Published[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)];
  const inputs: Published[] = [];
  const orders = new Map<string, string[]>(skus.map((sku) => [sku, []]));
  const purchaseOrders = new Map<string, string[]>(skus.map((sku) => [sku, []]));
  let minute = 0;
  const at = (days = 0) => new Date(Date.UTC(2026, 11, 1, 8) + minute * 60_000 + days * 86_400_000).toISOString();
  for (let index = 0; index < count; index += 1) {
    minute += 1 + Math.floor(next() * 30);
    const sku = pick(skus)!;
    const roll = next();
    const po = pick(purchaseOrders.get(sku)!);
    const order = pick(orders.get(sku)!);
    if (roll < 0.4) {
      const orderId = `O-${index}`;
      orders.get(sku)!.push(orderId);
      const placedAt = at();
      inputs.push({ topic: TOPICS.orderEvents, key: sku, value: input('OrderLinePlaced', placedAt, { orderId, lineId: '1', sku, quantity: 1 + Math.floor(next() * 5), placedAt, customerId: 'C-1' }) });
    } else if (roll < 0.6) {
      const purchaseOrderId = `PO-${index}`;
      purchaseOrders.get(sku)!.push(purchaseOrderId);
      const quantity = 1 + Math.floor(next() * 10);
      inputs.push({ topic: TOPICS.supplyEvents, key: sku, value: input('SupplyExpected', at(), { purchaseOrderId, sku, supplierId: 'SUP-1', orderedQuantity: quantity, remainingQuantity: quantity, expectedAt: at(2 + Math.floor(next() * 15)) }) });
    } else if (roll < 0.8) {
      const quantity = 1 + Math.floor(next() * 8);
      inputs.push({
        topic: TOPICS.supplyEvents,
        key: sku,
        value: input('SupplyReceived', at(), { receiptId: `R-${index}`, sku, warehouseId: 'WH-1', quantity, receivedAt: at(), purchaseOrderId: po ?? null, pipelineReduction: po ? quantity : 0, unplanned: !po }),
      });
    } else if (roll < 0.9 && order) {
      inputs.push({ topic: TOPICS.orderEvents, key: sku, value: input('OrderLineCancellationRequested', at(), { orderId: order, lineId: '1', sku, reason: null }) });
    } else if (po) {
      inputs.push({ topic: TOPICS.supplyEvents, key: sku, value: input('SupplyRescheduled', at(), { purchaseOrderId: po, sku, expectedAt: at(3 + Math.floor(next() * 20)), previousExpectedAt: at(), reason: null, remainingQuantity: 1 }) });
    }
  }
  return inputs;
}

describe('fulfillment operators', () => {
  const clock: Clock & { at: string } = { at: '2026-12-02T09:00:00Z', now: () => new Date(clock.at) };

  const running = serviceUnderTest('fulfillment', (config) => fulfillmentService(config, { clock, tickIntervalMs: 0 }), { label: 'fulfillment-operators', env: { RESTOCK_OPERATOR_TOKEN: TOKEN } });

  function operator(path: string, body: unknown) {
    return postAsOperator(running.url, TOKEN, path, body);
  }

  function publish(inputs: readonly Published[]): Promise<void> {
    return publishByTopic(running.kafka, inputs);
  }

  async function processedCount(): Promise<number> {
    return processedInputCount(running.db, 'fulfillment');
  }

  async function defineProduct(sku: string, policy: Record<string, unknown>) {
    await running.kafka.publish(TOPICS.catalogEvents, [
      { key: sku, value: input('ProductDefined', '2026-11-30T00:00:00Z', { sku, name: sku, backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY', definedAt: '2026-11-30T00:00:00Z', ...policy }) },
    ]);
    await eventually(async () => ((await fetch(`${running.url}/backorders/${sku}`)).status === 200 ? true : undefined));
  }

  async function factsOf(sku: string, count: number): Promise<Fact[]> {
    const isLineFact = (message: KafkaMessage) => message.key?.toString() === sku;
    const read = await running.kafka.readUntil(TOPICS.fulfillmentEvents, (messages) => messages.filter(isLineFact).length >= count);
    return read.filter(isLineFact).map((message) => parseValue<Fact>(message));
  }

  it('rebuilds sku_ledger from the event store with the live checksum, while a random workload flows', async () => {
    const seed = Date.now();
    const skus = Array.from({ length: WORKLOAD_SKUS }, (_, index) => `RND-${index}-${randomUUID().slice(0, 6)}`);
    for (const sku of skus) await defineProduct(sku, { onLimitExceeded: 'CANCEL', maxBackorderDays: 20 });
    const before = await processedCount();
    const inputs = workload(seed, skus, WORKLOAD_INPUTS);
    const firstHalf = inputs.slice(0, Math.floor(inputs.length * 0.6));
    await publish(firstHalf);
    await untilProcessed(running.db, 'fulfillment', before + firstHalf.length);

    const [projection] = fulfillmentOperations().projections;
    const [during] = await Promise.all([replayProjection(running.db, projection!), publish(inputs.slice(firstHalf.length))]);
    expect({ seed, tables: during.tables }).toEqual({ seed, tables: [expect.objectContaining({ table: 'sku_ledger', equal: true })] });
    expect(during.tables[0]!.live.rows).toBeGreaterThanOrEqual(WORKLOAD_SKUS);

    await untilProcessed(running.db, 'fulfillment', before + inputs.length);
    const response = await operator('/operator/replay/projections', { reason: 'check after the workload', swap: true });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outcome: string; results: { tables: { equal: boolean; live: { rows: number } }[] }[] };
    expect({ seed, outcome: body.outcome, equal: body.results[0]!.tables[0]!.equal }).toEqual({ seed, outcome: 'SWAPPED', equal: true });
    // The swapped-in table is the live one now: the saga keeps writing it and a replay agrees with it.
    await publish(workload(seed + 1, skus, 40));
    await untilProcessed(running.db, 'fulfillment', before + inputs.length + 30);
    const after = await replayProjection(running.db, fulfillmentOperations().projections[0]!);
    expect({ seed, equal: after.equal }).toEqual({ seed, equal: true });
  }, 180_000);

  it('expedites one line to the head of the queue and publishes the ETA changes it causes', async () => {
    const sku = `EXP-${randomUUID().slice(0, 8)}`;
    await defineProduct(sku, {});
    await running.kafka.publish(TOPICS.supplyEvents, [
      { key: sku, value: input('SupplyExpected', '2026-11-30T01:00:00Z', { purchaseOrderId: 'PO-1', sku, supplierId: 'SUP-1', orderedQuantity: 10, remainingQuantity: 10, expectedAt: '2026-12-05T00:00:00Z' }) },
    ]);
    await eventually(async () => {
      // CONFIRMED: the purchase order is in, not only the lead time (which makes BACKORDER on its own).
      const body = (await (await fetch(`${running.url}/availability/${sku}?quantity=4`)).json()) as { status: string; etaConfidence?: string };
      return body.status === 'BACKORDER' && body.etaConfidence === 'CONFIRMED' ? true : undefined;
    });
    await running.kafka.publish(
      TOPICS.orderEvents,
      ['A', 'B', 'C'].map((orderId) => ({ key: sku, value: input('OrderLinePlaced', '2026-12-01T10:00:00Z', { orderId, lineId: '1', sku, quantity: 4, placedAt: '2026-12-01T10:00:00Z', customerId: 'C-1' }) })),
    );
    await factsOf(sku, 3);

    const response = await operator(`/operator/backorders/${sku}/lines/C/1/expedite`, { reason: 'customer is a hospital' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { queue: { orderId: string; eta: string }[] };
    expect(body.queue.map((line) => [line.orderId, line.eta])).toEqual([
      ['C', '2026-12-05'],
      ['A', '2026-12-05'],
      ['B', '2026-12-15'],
    ]);
    const changes = (await factsOf(sku, 5)).slice(3);
    expect(changes.map((fact) => [fact.type, fact.data.orderId, fact.data.previousEta, fact.data.eta, fact.data.cause])).toEqual([
      ['LineEtaChanged', 'C', '2026-12-15', '2026-12-05', 'EXPEDITED'],
      ['LineEtaChanged', 'B', '2026-12-05', '2026-12-15', 'QUEUE_MOVED'],
    ]);
    const stored = await readStream(running.db, `sku-${sku}`);
    expect(stored.map((event) => event.type)).toContain('LineExpedited');

    const audit = await running.db.query<{ action: string; target: string; reason: string; token_fingerprint: string; outcome: string }>(
      'SELECT action, target, reason, token_fingerprint, outcome FROM operator_audit WHERE target = $1',
      [`${sku}/C/1`],
    );
    expect(audit.rows).toEqual([{ action: 'backorder.expedite', target: `${sku}/C/1`, reason: 'customer is a hospital', token_fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/), outcome: 'DONE' }]);
    const auditEvents = await readStream(running.db, OPERATOR_AUDIT_STREAM);
    const recorded = auditEvents.find((event) => (event.data as { target: string }).target === `${sku}/C/1`);
    expect(recorded?.data).toMatchObject({ action: 'backorder.expedite', reason: 'customer is a hospital', tokenFingerprint: audit.rows[0]!.token_fingerprint });
    expect(JSON.stringify(auditEvents.map((event) => event.data))).not.toContain(TOKEN);

    expect((await operator(`/operator/backorders/${sku}/lines/NOPE/1/expedite`, { reason: 'typo' })).status).toBe(404);
    expect((await operator(`/operator/backorders/NO-SUCH-SKU/lines/C/1/expedite`, { reason: 'typo' })).status).toBe(404);
    expect((await operator(`/operator/backorders/${sku}/lines/C/1/expedite`, {})).status).toBe(400);
  }, 90_000);

  it('keeps a held line past its backorder limit under CANCEL while the others expire', async () => {
    const sku = `HOLD-${randomUUID().slice(0, 8)}`;
    await defineProduct(sku, { maxBackorderDays: 5, leadTimeDays: 3, onLimitExceeded: 'CANCEL' });
    await running.kafka.publish(
      TOPICS.orderEvents,
      ['H', 'X'].map((orderId) => ({ key: sku, value: input('OrderLinePlaced', '2026-12-01T10:00:00Z', { orderId, lineId: '1', sku, quantity: 3, placedAt: '2026-12-01T10:00:00Z', customerId: 'C-1' }) })),
    );
    await factsOf(sku, 2);
    clock.at = '2026-12-02T09:00:00Z';
    expect((await operator(`/operator/backorders/${sku}/lines/H/1/hold`, { reason: 'customer agreed to wait' })).status).toBe(200);

    clock.at = '2026-12-06T11:00:00Z';
    await running.service.app.get(DeadlineTicker).tick();
    const queue = (await (await fetch(`${running.url}/backorders/${sku}`)).json()) as { lines: { orderId: string }[] };
    expect(queue.lines.map((line) => line.orderId)).toEqual(['H']);
    const cancelled = (await factsOf(sku, 4)).filter((fact) => fact.type === 'LineCancelled');
    expect(cancelled.map((fact) => [fact.data.orderId, fact.data.reason])).toEqual([['X', 'BACKORDER_EXPIRED']]);
  }, 90_000);
});
