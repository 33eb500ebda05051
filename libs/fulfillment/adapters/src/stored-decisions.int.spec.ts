import { randomUUID } from 'node:crypto';
import { ConcurrencyError, readStream } from '@restock/event-store';
import { evolve, FulfillmentCommand, FulfillmentEvent, initialState, snapshot } from '@restock/fulfillment-domain';
import { loadServiceConfig, Metrics } from '@restock/platform';
import { migratedDatabase } from '@restock/testing';
import { DecidedInput } from './fulfillment-facts';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { FulfillmentSaga } from './fulfillment-saga';
import { FULFILLMENT_MIGRATIONS } from './migrations';
import { LoadedSku, SkuStates, streamIdOf } from './sku-states';
import { EVENTS_PER_ROUND, storeDecisions, storedEventId } from './stored-decisions';

const NOW = '2026-12-01T10:00:00Z';

interface OutboxRow {
  key: string;
  value: { id: string; type: string; data: { orderId: string; previousEta: string; eta: string } };
}

function etaChange(orderId: string, previousEta: string, eta: string): FulfillmentEvent {
  return {
    type: 'LineEtaChanged',
    data: { orderId, lineId: 'L1', previousEta, previousEtaConfidence: 'CONFIRMED', eta, etaConfidence: 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED', changedAt: NOW },
  };
}

/** The saga's state cache, keeping what the saga told it to remember. */
class RememberingSkuStates extends SkuStates {
  readonly remembered: LoadedSku[] = [];

  override remember(entry: LoadedSku): void {
    this.remembered.push(entry);
    super.remember(entry);
  }
}

function decided(sku: string, events: FulfillmentEvent[]): DecidedInput {
  return { sku, inputId: randomUUID(), time: NOW, events };
}

describe('stored decisions', () => {
  const database = migratedDatabase('stored_decisions', 'fulfillment', FULFILLMENT_MIGRATIONS);

  async function outboxOf(skus: readonly string[]): Promise<OutboxRow[]> {
    const rows = await database.db.query<{ message_key: string; value: OutboxRow['value'] }>(
      'SELECT message_key, value FROM outbox_messages WHERE message_key = ANY($1::text[]) ORDER BY transaction_id, position, ordinal',
      [skus],
    );
    return rows.rows.map((row) => ({ key: row.message_key, value: row.value }));
  }

  it('append a batch larger than a round in rounds: versions in order, ids from the inputs, facts netted across rounds in input order', async () => {
    const hot = `HOT-${randomUUID().slice(0, 8)}`;
    const other = `SKU-${randomUUID().slice(0, 8)}`;
    const lines = EVENTS_PER_ROUND + 500;
    const reschedule = decided(hot, Array.from({ length: lines }, (_, index) => etaChange(`O-${index}`, '2026-12-05', '2026-12-09')));
    const elsewhere = decided(other, [etaChange('X-1', '2026-12-05', '2026-12-06')]);
    // The second input re-dates the first ten lines again: their facts net the two changes.
    const again = decided(hot, Array.from({ length: 10 }, (_, index) => etaChange(`O-${index}`, '2026-12-09', '2026-12-12')));
    const inputs = [reschedule, elsewhere, again];

    await database.db.transaction((tx) => storeDecisions(tx, inputs, new Map([[hot, 0], [other, 0]])), { lockKeys: [hot, other] });

    const stored = await readStream(database.db, streamIdOf(hot));
    expect(stored.map((event) => event.version)).toEqual(Array.from({ length: lines + 10 }, (_, index) => index + 1));
    const expectedIds = [...reschedule.events.map((_, index) => storedEventId(reschedule, index)), ...again.events.map((_, index) => storedEventId(again, index))];
    expect(stored.map((event) => event.id)).toEqual(expectedIds);
    expect(stored[lines]!.metadata).toEqual({ causationId: again.inputId, now: NOW });
    expect((await readStream(database.db, streamIdOf(other))).map((event) => event.id)).toEqual([storedEventId(elsewhere, 0)]);

    const facts = await outboxOf([hot, other]);
    expect(facts).toHaveLength(lines + 1);
    const orderIds = facts.map((fact) => fact.value.data.orderId);
    expect(orderIds.slice(0, lines - 10)).toEqual(Array.from({ length: lines - 10 }, (_, index) => `O-${index + 10}`));
    expect(orderIds.slice(lines - 10)).toEqual(['X-1', ...Array.from({ length: 10 }, (_, index) => `O-${index}`)]);
    expect(facts.slice(lines - 9).map((fact) => [fact.value.data.previousEta, fact.value.data.eta])).toEqual(Array.from({ length: 10 }, () => ['2026-12-05', '2026-12-12']));
  });

  it('store nothing when a stream that only a later round reaches is not at the version decided against', async () => {
    const fresh = `SKU-${randomUUID().slice(0, 8)}`;
    const stale = `SKU-${randomUUID().slice(0, 8)}`;
    const first = decided(fresh, Array.from({ length: EVENTS_PER_ROUND + 1 }, (_, index) => etaChange(`O-${index}`, '2026-12-05', '2026-12-09')));
    const second = decided(stale, [etaChange('X-1', '2026-12-05', '2026-12-06')]);
    const storing = database.db.transaction((tx) => storeDecisions(tx, [first, second], new Map([[fresh, 0], [stale, 3]])), { lockKeys: [fresh, stale] });
    await expect(storing).rejects.toBeInstanceOf(ConcurrencyError);

    expect(await readStream(database.db, streamIdOf(fresh))).toEqual([]);
    expect(await outboxOf([fresh, stale])).toEqual([]);
  });

  it('leave the saga cache at the stored head after a reschedule stored in several rounds', async () => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    const metrics = new FulfillmentMetrics(new Metrics(loadServiceConfig('fulfillment', { KAFKA_BROKERS: '127.0.0.1:9092' })));
    const states = new RememberingSkuStates();
    const saga = new FulfillmentSaga(states, metrics);
    const metadata = () => ({ now: NOW, inputId: randomUUID() });
    const process = async (commands: FulfillmentCommand[]) =>
      database.db.transaction((tx) => saga.process(tx, commands.map((command) => ({ sku, command }))), { lockKeys: [sku] });
    const waiting = EVENTS_PER_ROUND + 100;
    await process([
      { type: 'DefineProduct', data: { name: 'Hot', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }, metadata: metadata() },
      { type: 'AddSupply', data: { purchaseOrderId: 'PO-1', quantity: 2 * waiting, expectedAt: '2026-12-05T00:00:00Z' }, metadata: metadata() },
    ]);
    for (let start = 0; start < waiting; start += 500) {
      const count = Math.min(500, waiting - start);
      const placed = Array.from({ length: count }, (_, index): FulfillmentCommand => ({
        type: 'PlaceLine',
        data: { orderId: `O-${start + index}`, lineId: 'L1', quantity: 1, placedAt: NOW },
        metadata: metadata(),
      }));
      expect(await process(placed)).toEqual([]);
    }
    expect(await process([{ type: 'RescheduleSupply', data: { purchaseOrderId: 'PO-1', expectedAt: '2026-12-09T00:00:00Z' }, metadata: metadata() }])).toEqual([]);

    const events = await readStream(database.db, streamIdOf(sku));
    expect(events.filter((event) => event.type === 'LineEtaChanged')).toHaveLength(waiting);
    const folded = events.reduce((state, event) => evolve(state, { type: event.type, data: event.data } as FulfillmentEvent), initialState(sku));
    const fresh = await new SkuStates().read(database.db, sku);
    expect(fresh?.version).toBe(events.length);
    expect(snapshot(fresh!.state)).toEqual(snapshot(folded));
    const cached = states.remembered[states.remembered.length - 1]!;
    expect({ version: cached.version, lastEventId: cached.lastEventId }).toEqual({ version: events.length, lastEventId: events[events.length - 1]!.id });
    expect(snapshot(cached.state)).toEqual(snapshot(folded));
  });
});
