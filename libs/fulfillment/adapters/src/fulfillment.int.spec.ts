import { randomUUID } from 'node:crypto';
import { KafkaMessage } from 'kafkajs';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { eventually, parseValue } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { Clock } from './clock';
import { DeadlineTicker } from './deadline-ticker';
import { fulfillmentService } from './fulfillment.module';

interface Fact {
  id: string;
  type: string;
  causationid: string;
  data: Record<string, unknown> & { orderId?: string; lineId?: string };
}

function input(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'test', type, time, data });
}

describe('fulfillment saga service', () => {
  const clock: Clock & { at: string } = { at: '2026-12-02T09:00:00Z', now: () => new Date(clock.at) };
  const sku = `SKU-${randomUUID().slice(0, 8)}`;

  const running = serviceUnderTest('fulfillment', (config) => fulfillmentService(config, { clock, tickIntervalMs: 0 }));

  async function lineFacts(count: number): Promise<Fact[]> {
    const isLineFact = (message: KafkaMessage) => message.key?.toString() === sku;
    const read = await running.kafka.readUntil(TOPICS.fulfillmentEvents, (messages) => messages.filter(isLineFact).length >= count);
    return read.filter(isLineFact).map((message) => parseValue<Fact>(message));
  }

  it('runs the worked example of DESIGN.md end to end over Kafka: dates, a slip, a FIFO fill, a redelivery', async () => {
    await running.kafka.publish(TOPICS.catalogEvents, [
      {
        key: sku,
        value: input('ProductDefined', '2026-11-30T00:00:00Z', {
          sku,
          name: 'Trail shoe',
          backorderable: true,
          maxBackorderDays: 30,
          leadTimeDays: 14,
          onLimitExceeded: 'NOTIFY',
          definedAt: '2026-11-30T00:00:00Z',
        }),
      },
    ]);
    await running.kafka.publish(TOPICS.supplyEvents, [
      {
        key: sku,
        value: input('SupplyExpected', '2026-11-30T01:00:00Z', {
          purchaseOrderId: 'PO-1',
          sku,
          supplierId: 'SUP-1',
          orderedQuantity: 10,
          remainingQuantity: 10,
          expectedAt: '2026-12-05T00:00:00Z',
        }),
      },
    ]);
    // The catalog and supply facts arrive on other topics; make sure they are in before the demand.
    await eventually(async () => {
      const response = await fetch(`${running.url}/backorders/${sku}`);
      return response.status === 200 ? true : undefined;
    });
    await eventually(async () => {
      // CONFIRMED: the purchase order is in, not only the lead time (which makes BACKORDER on its own).
      const body = (await (await fetch(`${running.url}/availability/${sku}?quantity=4`)).json()) as { status: string; etaConfidence?: string };
      return body.status === 'BACKORDER' && body.etaConfidence === 'CONFIRMED' ? true : undefined;
    });
    await running.kafka.publish(
      TOPICS.orderEvents,
      ['A', 'B', 'C'].map((orderId) => ({
        key: sku,
        value: input('OrderLinePlaced', '2026-12-01T10:00:00Z', { orderId, lineId: '1', sku, quantity: 4, placedAt: '2026-12-01T10:00:00Z', customerId: 'C-1' }),
      })),
    );
    const decided = await lineFacts(3);
    expect(decided.map((fact) => [fact.type, fact.data.orderId, fact.data.status, fact.data.eta, fact.data.etaConfidence])).toEqual([
      ['LineDecided', 'A', 'BACKORDERED', '2026-12-05', 'CONFIRMED'],
      ['LineDecided', 'B', 'BACKORDERED', '2026-12-05', 'CONFIRMED'],
      ['LineDecided', 'C', 'BACKORDERED', '2026-12-15', 'ESTIMATED'],
    ]);

    await running.kafka.publish(TOPICS.supplyEvents, [
      {
        key: sku,
        value: input('SupplyRescheduled', '2026-12-02T08:00:00Z', {
          purchaseOrderId: 'PO-1',
          sku,
          expectedAt: '2026-12-08T00:00:00Z',
          previousExpectedAt: '2026-12-05T00:00:00Z',
          reason: 'vessel delayed',
          remainingQuantity: 10,
        }),
      },
    ]);
    const afterSlip = (await lineFacts(5)).slice(3);
    expect(afterSlip.map((fact) => [fact.type, fact.data.orderId, fact.data.previousEta, fact.data.eta, fact.data.cause])).toEqual([
      ['LineEtaChanged', 'A', '2026-12-05', '2026-12-08', 'SUPPLY_RESCHEDULED'],
      ['LineEtaChanged', 'B', '2026-12-05', '2026-12-08', 'SUPPLY_RESCHEDULED'],
    ]);

    const receipt = input('SupplyReceived', '2026-12-08T07:00:00Z', {
      receiptId: 'R-1',
      sku,
      warehouseId: 'WH-1',
      quantity: 10,
      receivedAt: '2026-12-08T07:00:00Z',
      purchaseOrderId: 'PO-1',
      pipelineReduction: 10,
      unplanned: false,
    });
    await running.kafka.publish(TOPICS.supplyEvents, [
      { key: sku, value: receipt },
      { key: sku, value: receipt },
    ]);
    const allocations = (await lineFacts(8)).slice(5).filter((fact) => fact.type === 'LineAllocated');
    expect(allocations.map((fact) => [fact.data.orderId, fact.data.quantity, fact.data.remainingQuantity])).toEqual([
      ['A', 4, 0],
      ['B', 4, 0],
      ['C', 2, 2],
    ]);

    const queue = (await (await fetch(`${running.url}/backorders/${sku}`)).json()) as { lines: { orderId: string; remainingQuantity: number; position: number }[] };
    expect(queue.lines.map((line) => [line.position, line.orderId, line.remainingQuantity])).toEqual([[1, 'C', 2]]);
    // The redelivered receipt had no effect: a fourth allocation never arrives.
    const isAllocation = (message: KafkaMessage) => message.key?.toString() === sku && parseValue<Fact>(message).type === 'LineAllocated';
    await expect(running.kafka.readUntil(TOPICS.fulfillmentEvents, (messages) => messages.filter(isAllocation).length > 3, 3_000)).rejects.toThrow(/without meeting/);

    // The ledger changes carry what replenishment plans from: every accepted unit once, on its day
    // of acceptance, and after the fill the 2 units C still waits for.
    // On a topic of their own: the exact lists of line facts above would hold them otherwise.
    const isLedger = (message: KafkaMessage) => message.key?.toString() === sku && parseValue<Fact>(message).type === 'SkuLedgerChanged';
    const filled = (messages: readonly KafkaMessage[]) => messages.filter(isLedger).some((message) => parseValue<Fact>(message).data.allocated === 10);
    const ledgers = (await running.kafka.readUntil(TOPICS.fulfillmentLedger, filled)).filter(isLedger).map((message) => parseValue<Fact>(message).data);
    const accepted = ledgers.flatMap((data) => data.accepted as { day: string; quantity: number }[]);
    expect(accepted.reduce((units, entry) => units + entry.quantity, 0)).toBe(12);
    expect(new Set(accepted.map((entry) => entry.day))).toEqual(new Set(['2026-12-01']));
    expect(ledgers[ledgers.length - 1]).toMatchObject({ allocated: 10, queueDepth: 1, backorderedQuantity: 2 });
  }, 90_000);

  it('answers 404 for an unknown SKU and 400 for a bad quantity', async () => {
    expect((await fetch(`${running.url}/availability/NO-SUCH-SKU?quantity=1`)).status).toBe(404);
    expect((await fetch(`${running.url}/backorders/NO-SUCH-SKU`)).status).toBe(404);
    const bad = await fetch(`${running.url}/availability/${sku}?quantity=0`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: { field: string }[] }).fields.map((field) => field.field)).toContain('quantity');
  });

  it('reports consumer lag, queue depth, the oldest backorder age and allocation latency', async () => {
    const page = await (await fetch(`${running.url}/metrics`)).text();
    expect(page).toMatch(new RegExp(`restock_backorder_queue_depth\\{sku="${sku}"[^}]*\\} 1`));
    expect(page).toMatch(new RegExp(`restock_oldest_backorder_age_seconds\\{sku="${sku}"`));
    expect(page).toMatch(/restock_allocation_latency_seconds_count\{[^}]*\} [1-9]/);
    expect(page).toMatch(/restock_consumer_lag\{topic="restock\.supply\.events\.v1",partition="\d"[^}]*\} 0/);
    expect(page).toMatch(/restock_inputs_processed_total\{topic="restock\.orders\.events\.v1"[^}]*\} 3/);
  });

  it('answers availability as of now: a deadline that passed since the last input frees the supply its line held', async () => {
    const expiring = `SKU-X-${randomUUID().slice(0, 8)}`;
    const defined = { sku: expiring, name: 'Lamp', backorderable: true, maxBackorderDays: 1, leadTimeDays: null, onLimitExceeded: 'CANCEL', definedAt: '2026-12-01T00:00:00Z' };
    await running.kafka.publish(TOPICS.catalogEvents, [{ key: expiring, value: input('ProductDefined', '2026-12-01T00:00:00Z', defined) }]);
    const supply = { purchaseOrderId: 'PO-X', sku: expiring, supplierId: 'SUP-1', orderedQuantity: 4, remainingQuantity: 4, expectedAt: '2026-12-02T08:00:00Z' };
    await running.kafka.publish(TOPICS.supplyEvents, [{ key: expiring, value: input('SupplyExpected', '2026-12-01T01:00:00Z', supply) }]);
    const ask = async () => (await (await fetch(`${running.url}/availability/${expiring}?quantity=4`)).json()) as { status: string; eta: string | null };
    clock.at = '2026-12-01T12:00:00Z';
    await eventually(async () => ((await ask()).status === 'BACKORDER' ? true : undefined));
    const line = { orderId: 'X-1', lineId: '1', sku: expiring, quantity: 4, placedAt: '2026-12-01T10:00:00Z', customerId: 'C-1' };
    await running.kafka.publish(TOPICS.orderEvents, [{ key: expiring, value: input('OrderLinePlaced', '2026-12-01T10:00:00Z', line) }]);
    // X-1 holds the whole purchase order until its deadline, 2026-12-02T10:00.
    await eventually(async () => ((await ask()).status === 'OUT_OF_STOCK' ? true : undefined));
    try {
      // Past the deadline, before any input or tick has cancelled X-1: a line placed now would get the purchase order.
      clock.at = '2026-12-02T11:00:00Z';
      expect(await ask()).toMatchObject({ status: 'BACKORDER', eta: '2026-12-02' });
      expect(await ask()).toMatchObject({ status: 'BACKORDER', eta: '2026-12-02' });
      expect(((await (await fetch(`${running.url}/backorders/${expiring}`)).json()) as { lines: unknown[] }).lines).toHaveLength(1);
    } finally {
      clock.at = '2026-12-02T09:00:00Z';
    }
  });

  it('ticks only SKUs with a queue', async () => {
    const ticked = await running.service.app.get(DeadlineTicker).tick();
    expect(ticked).toBeGreaterThanOrEqual(1);
  });
});
