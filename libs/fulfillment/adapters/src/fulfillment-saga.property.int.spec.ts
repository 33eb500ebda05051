import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { readStream } from '@restock/event-store';
import { decide, evolve, initialState, snapshot, type FulfillmentCommand, type FulfillmentEvent, type FulfillmentState } from '@restock/fulfillment-domain';
import { loadServiceConfig, Metrics } from '@restock/platform';
import { migratedDatabase } from '@restock/testing';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { FulfillmentSaga } from './fulfillment-saga';
import { FULFILLMENT_MIGRATIONS } from './migrations';
import type { SkuCommand } from './saga-inputs';
import { SkuStates, streamIdOf } from './sku-states';

/*
 * The saga's adapter against the pure decider, on PostgreSQL: random batches of inputs for two
 * SKUs go through FulfillmentSaga.process in one transaction each, taken in turn by two instances
 * whose caches hold fewer lines than the SKUs have (so states are dropped, read again from their
 * snapshots and caught up), and some batches roll back after they were decided (as a crash before
 * the commit would). After every batch, whatever reads the SKU (a new instance, the fold of its
 * stream, and after some batches either instance, whose read also refreshes its cache) must find
 * the state the pure decider reaches by folding the committed batches' inputs in order; a
 * rolled-back batch must leave nothing. Breaking the cache's check of the last event id (a state
 * decided in a transaction that rolled back, at the version another instance then committed)
 * makes it fail within a hundred runs.
 */

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 12);
const BATCHES_PER_RUN = 30;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const START_MS = Date.parse('2026-12-01T08:00:00Z');
/** Lines each instance's cache may hold: far fewer than two SKUs' queues, so states come and go. */
const CACHE_LINES = 4;

type Policy = Extract<FulfillmentCommand, { type: 'DefineProduct' }>['data'];

const policyArbitrary: fc.Arbitrary<Policy> = fc.record({
  name: fc.constant('Desk lamp'),
  backorderable: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  maxBackorderDays: fc.integer({ min: 0, max: 8 }),
  leadTimeDays: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 6 }),
  onLimitExceeded: fc.constantFrom('CANCEL' as const, 'NOTIFY' as const),
});

const sku = fc.nat({ max: 1 });
const pick = fc.nat({ max: 1000 });

const inputArbitrary = fc.record({
  minutesLater: fc.integer({ min: 0, max: 720 }),
  action: fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('place' as const), sku, quantity: fc.integer({ min: 1, max: 6 }), minutesAgo: fc.integer({ min: 0, max: 600 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('receive' as const), sku, quantity: fc.integer({ min: 1, max: 8 }), againstPurchaseOrder: fc.boolean(), pick }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('addSupply' as const), sku, quantity: fc.integer({ min: 1, max: 12 }), expectedInMinutes: fc.integer({ min: -2 * 1440, max: 10 * 1440 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('rescheduleSupply' as const), pick, expectedInMinutes: fc.integer({ min: -2 * 1440, max: 10 * 1440 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancelSupply' as const), pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('adjust' as const), sku, delta: fc.integer({ min: -4, max: 4 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('ship' as const), pick, quantity: fc.integer({ min: 1, max: 5 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), sku, daysLater: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('expedite' as const), pick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('hold' as const), pick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('define' as const), sku, policy: policyArbitrary }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('discontinue' as const), sku }) },
  ),
});

const batchArbitrary = fc.record({
  instance: fc.nat({ max: 1 }),
  rollback: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  /** Whether the instances' caches are read after the batch (as HTTP reads do): a read also refreshes a stale cache. */
  readThroughInstances: fc.boolean(),
  inputs: fc.array(inputArbitrary, { minLength: 1, maxLength: 6, size: 'max' }),
});

type Input = typeof inputArbitrary extends fc.Arbitrary<infer I> ? I : never;

class RolledBack extends Error {}

/** Turns generated inputs into saga commands, remembering the lines and purchase orders it named. */
class Inputs {
  private clockMs = START_MS;
  private count = 0;
  private readonly lines: { sku: string; orderId: string }[] = [];
  private readonly purchaseOrders: { sku: string; purchaseOrderId: string }[] = [];

  constructor(private readonly skus: readonly string[]) {}

  commandOf(input: Input): SkuCommand {
    this.clockMs += input.minutesLater * MS_PER_MINUTE;
    this.count += 1;
    const action = input.action;
    const metadata = { now: new Date(this.clockMs).toISOString(), inputId: randomUUID() };
    const at = (minutes: number) => new Date(this.clockMs + minutes * MS_PER_MINUTE).toISOString();
    const line = this.lines.length === 0 || !('pick' in action) ? undefined : this.lines[action.pick % this.lines.length]!;
    const supply = this.purchaseOrders.length === 0 || !('pick' in action) ? undefined : this.purchaseOrders[action.pick % this.purchaseOrders.length]!;
    const skuOf = (index: number) => this.skus[index]!;
    // An input naming a line or purchase order before there is one goes to the first SKU as a tick.
    const tick = (sku: string): SkuCommand => ({ sku, command: { type: 'Tick', data: {}, metadata } });
    switch (action.kind) {
      case 'place': {
        const orderId = `O${this.count}`;
        this.lines.push({ sku: skuOf(action.sku), orderId });
        return { sku: skuOf(action.sku), command: { type: 'PlaceLine', data: { orderId, lineId: 'L1', quantity: action.quantity, placedAt: at(-action.minutesAgo) }, metadata } };
      }
      case 'cancel':
        return line ? { sku: line.sku, command: { type: 'CancelLine', data: { orderId: line.orderId, lineId: 'L1' }, metadata } } : tick(skuOf(0));
      case 'receive': {
        const against = action.againstPurchaseOrder ? this.purchaseOrders.filter((entry) => entry.sku === skuOf(action.sku)) : [];
        const purchaseOrderId = against.length > 0 ? against[action.pick % against.length]!.purchaseOrderId : null;
        return { sku: skuOf(action.sku), command: { type: 'ReceiveStock', data: { receiptId: `R${this.count}`, quantity: action.quantity, purchaseOrderId }, metadata } };
      }
      case 'addSupply': {
        const purchaseOrderId = `PO${this.count}`;
        this.purchaseOrders.push({ sku: skuOf(action.sku), purchaseOrderId });
        return { sku: skuOf(action.sku), command: { type: 'AddSupply', data: { purchaseOrderId, quantity: action.quantity, expectedAt: at(action.expectedInMinutes) }, metadata } };
      }
      case 'rescheduleSupply':
        return supply
          ? { sku: supply.sku, command: { type: 'RescheduleSupply', data: { purchaseOrderId: supply.purchaseOrderId, expectedAt: at(action.expectedInMinutes) }, metadata } }
          : tick(skuOf(0));
      case 'cancelSupply':
        return supply ? { sku: supply.sku, command: { type: 'CancelSupply', data: { purchaseOrderId: supply.purchaseOrderId }, metadata } } : tick(skuOf(0));
      case 'adjust':
        return { sku: skuOf(action.sku), command: { type: 'AdjustStock', data: { countId: `C${this.count}`, delta: action.delta }, metadata } };
      case 'ship':
        return line
          ? { sku: line.sku, command: { type: 'RecordShipment', data: { shipmentId: `S${this.count}`, orderId: line.orderId, lineId: 'L1', quantity: action.quantity }, metadata } }
          : tick(skuOf(0));
      case 'tick':
        this.clockMs += action.daysLater * MS_PER_DAY;
        return tick(skuOf(action.sku));
      case 'expedite':
      case 'hold': {
        if (!line) return tick(skuOf(0));
        const type = action.kind === 'expedite' ? ('ExpediteLine' as const) : ('HoldLine' as const);
        return { sku: line.sku, command: { type, data: { orderId: line.orderId, lineId: 'L1', reason: 'operator' }, metadata } };
      }
      case 'define':
        return { sku: skuOf(action.sku), command: { type: 'DefineProduct', data: action.policy, metadata } };
      case 'discontinue':
        return { sku: skuOf(action.sku), command: { type: 'DiscontinueProduct', data: {}, metadata } };
      default: {
        const unknown: never = action;
        throw new Error(`unknown input ${JSON.stringify(unknown)}`);
      }
    }
  }
}

describe('the fulfillment saga on PostgreSQL, over random batches, two instances and rollbacks', () => {
  const database = migratedDatabase('saga_property', 'fulfillment', FULFILLMENT_MIGRATIONS);
  const metrics = new FulfillmentMetrics(new Metrics(loadServiceConfig('fulfillment', { KAFKA_BROKERS: '127.0.0.1:9092' })));

  async function folded(skuId: string): Promise<unknown> {
    const events = await readStream(database.db, streamIdOf(skuId));
    return snapshot(events.reduce((state, event) => evolve(state, { type: event.type, data: event.data } as FulfillmentEvent), initialState(skuId)));
  }

  it('decides as the pure decider folding the committed inputs, whichever instance and cache, and a rolled-back batch leaves nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(policyArbitrary, policyArbitrary),
        fc.array(batchArbitrary, { minLength: 1, maxLength: BATCHES_PER_RUN, size: 'max' }),
        async (policies, batches) => {
          const skus = ['A', 'B'].map((name) => `SKU-${name}-${randomUUID().slice(0, 8)}`);
          // No shared reads between checks: each read below checks the stream head itself.
          const caches = [new SkuStates(CACHE_LINES, 0), new SkuStates(CACHE_LINES, 0)];
          const instances = caches.map((states) => new FulfillmentSaga(states, metrics));
          const model = new Map<string, FulfillmentState>(skus.map((skuId) => [skuId, initialState(skuId)]));
          const inputs = new Inputs(skus);
          const defined = skus.map((skuId, index): SkuCommand => ({ sku: skuId, command: { type: 'DefineProduct', data: policies[index]!, metadata: { now: new Date(START_MS).toISOString(), inputId: randomUUID() } } }));
          const all = [{ instance: 0, rollback: false, readThroughInstances: true, commands: defined }, ...batches.map((batch) => ({ ...batch, commands: batch.inputs.map((input) => inputs.commandOf(input)) }))];

          for (const [index, batch] of all.entries()) {
            const saga = instances[batch.instance]!;
            const work = database.db.transaction(
              async (tx) => {
                const rejections = await saga.process(tx, batch.commands);
                if (batch.rollback) throw new RolledBack();
                return rejections;
              },
              { lockKeys: skus },
            );
            if (batch.rollback) {
              await expect(work).rejects.toBeInstanceOf(RolledBack);
            } else {
              const refused = (await work).map((rejection) => rejection.inputId);
              const expectedRefused: string[] = [];
              for (const { sku: skuId, command } of batch.commands) {
                const state = model.get(skuId)!;
                const decision = decide(command, state);
                if (decision.status === 'REJECTED') expectedRefused.push(command.metadata.inputId);
                else for (const event of decision.events) evolve(state, event);
              }
              expect(refused).toEqual(expectedRefused);
            }
            for (const skuId of skus) {
              const expected = snapshot(model.get(skuId)!);
              const context = `batch ${index} (instance ${batch.instance}${batch.rollback ? ', rolled back' : ''}), ${skuId}`;
              expect({ context, state: await folded(skuId) }).toEqual({ context, state: expected });
              const readers = [...(batch.readThroughInstances ? caches.map((states, at) => [`instance ${at}`, states] as const) : []), ['a new instance', new SkuStates(CACHE_LINES, 0)] as const];
              for (const [name, states] of readers) {
                const read = await states.read(database.db, skuId);
                expect({ context, name, state: read === null ? null : snapshot(read.state) }).toEqual({ context, name, state: expected });
              }
            }
          }
        },
      ),
      // FC_SEED and FC_PATH replay a reported failure.
      { numRuns: NUM_RUNS, seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED), path: process.env.FC_PATH },
    );
  }, 600_000);
});
