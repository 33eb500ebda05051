import { randomUUID } from 'node:crypto';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { ProjectionReplayResult, replayProjection } from '@restock/event-store';
import { postAsOperator, processedInputCount, publishByTopic, seededRandom, untilProcessed } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { ordersService } from './orders.module';
import { ordersOperations } from './orders-operations';

const TOKEN = `token-${randomUUID()}`;
const ORDERS_PLACED = 90;
const FACTS = 260;
const SKUS = ['A', 'B', 'C'];
const ORDERS_TABLES = ['orders', 'order_lines'];
const PLACED_AT = '2026-12-01T10:00:00Z';

type Published = { topic: string; key: string; value: ReturnType<typeof input> };

interface Line {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
  allocated: number;
  waiting: number;
}

function input(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'test', type, time, data });
}

/**
 * Random orders and the saga's facts about their lines. Facts cross topics with the orders they are
 * about, so the workload comes in three parts, each published once the one before is processed:
 * orders placed, then their lines decided (some not yet), then random line facts, customer
 * cancellations and orders placed again under another id. Every input is one the service accepts.
 */
function workload(seed: number, prefix: string) {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const quantity = (max: number) => 1 + Math.floor(next() * max);
  let minute = 0;
  const at = () => new Date(Date.UTC(2026, 11, 1, 11) + (minute += 1 + Math.floor(next() * 20)) * 60_000).toISOString();
  const placements: Published[] = [];
  const lines: Line[] = [];
  for (let index = 0; index < ORDERS_PLACED; index += 1) {
    const orderId = `${prefix}-O-${index}`;
    const orderLines = Array.from({ length: quantity(3) }, (_, line) => ({ lineId: `L${line + 1}`, sku: `${prefix}-${pick(SKUS)}`, quantity: quantity(6) }));
    placements.push({ topic: TOPICS.ecommerceOrders, key: orderId, value: input('OrderPlaced', at(), { orderId, customerId: `C-${index % 7}`, placedAt: PLACED_AT, lines: orderLines }) });
    lines.push(...orderLines.map((line) => ({ ...line, orderId, allocated: 0, waiting: 0 })));
  }
  const fact = (type: string, line: Line, data: Record<string, unknown>): Published => ({
    topic: TOPICS.fulfillmentEvents,
    key: line.sku,
    value: input(type, at(), { orderId: line.orderId, lineId: line.lineId, sku: line.sku, ...data }),
  });
  const decided = lines.filter(() => next() < 0.85);
  const decisions = decided.map((line) => {
    line.allocated = Math.floor(next() * (line.quantity + 1));
    line.waiting = line.quantity - line.allocated;
    return fact('LineDecided', line, {
      quantity: line.quantity,
      status: line.waiting === 0 ? 'ALLOCATED' : line.allocated === 0 ? 'BACKORDERED' : 'PARTIALLY_ALLOCATED',
      allocatedQuantity: line.allocated,
      backorderedQuantity: line.waiting,
      rejectedQuantity: 0,
      rejectionReason: null,
      eta: line.waiting === 0 ? null : '2026-12-10',
      etaConfidence: line.waiting === 0 ? null : 'CONFIRMED',
      acceptedAt: PLACED_AT,
      deadline: line.waiting === 0 ? null : '2026-12-31',
    });
  });
  const later: Published[] = [];
  for (let index = 0; index < FACTS; index += 1) {
    const line = pick(decided);
    const roll = next();
    if (roll < 0.25 && line.waiting > 0) {
      const allocated = quantity(line.waiting);
      line.allocated += allocated;
      line.waiting -= allocated;
      later.push(fact('LineAllocated', line, { quantity: allocated, allocatedQuantity: line.allocated, remainingQuantity: line.waiting }));
    } else if (roll < 0.4 && line.waiting > 0) {
      later.push(fact('LineEtaChanged', line, { previousEta: '2026-12-10', eta: `2026-12-${10 + quantity(15)}`, etaConfidence: next() < 0.5 ? 'CONFIRMED' : 'ESTIMATED', cause: 'SUPPLY_RESCHEDULED' }));
    } else if (roll < 0.5 && line.allocated > 0) {
      const revoked = quantity(line.allocated);
      line.allocated -= revoked;
      line.waiting += revoked;
      later.push(fact('LineAllocationRevoked', line, { quantity: revoked, allocatedQuantity: line.allocated, remainingQuantity: line.waiting, eta: '2026-12-20', etaConfidence: 'ESTIMATED' }));
    } else if (roll < 0.65 && line.allocated > 0) {
      const shipped = quantity(line.allocated);
      line.allocated -= shipped;
      later.push(fact('LineShipped', line, { shipmentId: `S-${index}`, quantity: shipped }));
    } else if (roll < 0.72 && line.waiting > 0) {
      later.push(fact('LineBackorderAtRisk', line, { eta: '2026-12-29', deadline: '2026-12-31' }));
    } else if (roll < 0.8 && line.allocated + line.waiting > 0) {
      later.push(fact('LineCancelled', line, { quantity: line.allocated + line.waiting, releasedQuantity: line.allocated, reason: 'CUSTOMER' }));
      line.allocated = 0;
      line.waiting = 0;
    } else if (roll < 0.9) {
      const lineIds = next() < 0.5 ? { lineIds: [line.lineId] } : {};
      later.push({ topic: TOPICS.ecommerceOrders, key: line.orderId, value: input('OrderCancelled', at(), { orderId: line.orderId, ...lineIds, reason: 'changed my mind' }) });
    } else {
      const again = pick(placements);
      later.push({ ...again, value: { ...again.value, id: randomUUID() } });
    }
  }
  return { placements, decisions, later };
}

describe('orders operators', () => {
  const running = serviceUnderTest('orders', ordersService, { label: 'orders-operators', env: { RESTOCK_OPERATOR_TOKEN: TOKEN } });

  function operator(path: string, body: unknown) {
    return postAsOperator(running.url, TOKEN, path, body);
  }

  async function processedCount(): Promise<number> {
    return processedInputCount(running.db, 'orders');
  }

  /** Publishes the inputs and waits until the service has processed as many more inputs. */
  async function publishAndWait(inputs: readonly Published[]): Promise<void> {
    const before = await processedCount();
    await publish(inputs);
    await untilProcessed(running.db, 'orders', before + inputs.length);
  }

  function publish(inputs: readonly Published[]): Promise<void> {
    return publishByTopic(running.kafka, inputs);
  }

  function tablesOf(results: readonly ProjectionReplayResult[]) {
    return results.flatMap((result) => result.tables.map((table) => ({ table: table.table, equal: table.equal, rows: table.live.rows })));
  }

  it('rebuilds orders and order_lines with the live checksums, while a random workload flows', async () => {
    const seed = Date.now();
    const { placements, decisions, later } = workload(seed, `OPS-${randomUUID().slice(0, 6)}`);
    await publishAndWait(placements);
    await publishAndWait(decisions);
    const before = await processedCount();
    const [during] = await Promise.all([replayProjection(running.db, ordersOperations().projections[0]!), publish(later)]);
    expect({ seed, tables: tablesOf([during]) }).toEqual({ seed, tables: ORDERS_TABLES.map((table) => ({ table, equal: true, rows: expect.any(Number) })) });
    for (const table of tablesOf([during])) expect({ seed, table: table.table, filled: table.rows > 0 }).toEqual({ seed, table: table.table, filled: true });
    await untilProcessed(running.db, 'orders', before + later.length);

    const response = await operator('/operator/replay/projections', { reason: 'check after the workload', swap: true });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outcome: string; results: ProjectionReplayResult[] };
    expect({ seed, outcome: body.outcome, tables: tablesOf(body.results).map((table) => [table.table, table.equal]) }).toEqual({
      seed,
      outcome: 'SWAPPED',
      tables: ORDERS_TABLES.map((table) => [table, true]),
    });

    // The swapped-in tables are the live ones now: the service keeps writing them and a replay agrees.
    const more = workload(seed + 1, `OPS-${randomUUID().slice(0, 6)}`);
    await publishAndWait(more.placements);
    await publishAndWait(more.decisions);
    const after = await replayProjection(running.db, ordersOperations().projections[0]!);
    expect({ seed, equal: after.equal }).toEqual({ seed, equal: true });
  }, 180_000);

  it('reports an order line that drifted from the events as different', async () => {
    await running.db.query(
      'UPDATE order_lines SET cancelled_quantity = cancelled_quantity + 1 WHERE (order_id, line_id) IN (SELECT order_id, line_id FROM order_lines LIMIT 1)',
    );
    const result = await replayProjection(running.db, ordersOperations().projections[0]!);
    expect(result.tables.filter((table) => !table.equal).map((table) => table.table)).toEqual(['order_lines']);
  }, 60_000);
});
