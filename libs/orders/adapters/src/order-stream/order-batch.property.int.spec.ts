import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  decide,
  evolve,
  initialState,
  OrderRejection,
  orderStatus,
  updatesOf,
  type LineFact,
  type LineState,
  type OrderCommand,
  type OrderEvent,
  type OrderState,
} from '@restock/orders-domain';
import { migratedDatabase } from '@restock/testing';
import { ORDERS_MIGRATIONS } from '../migrations';
import { findOrder } from '../order-view/orders-read-model';
import { runOrderCommands } from './order-batch';
import { customerUpdateEvent } from './order-messages';
import { OrderStates } from './order-states';

/*
 * The orders service's write side and its read model against the pure decider, on PostgreSQL:
 * random batches of orders, cancellations and saga facts go through runOrderCommands in one
 * transaction each, taken in turn by two instances whose caches hold fewer orders than there are,
 * and some batches roll back after they were decided. After every batch, GET /orders/{id}'s view
 * of every order (its status, lines and history of customer updates) must be what the pure decider
 * reaches by folding the committed batches' commands in order, and the refused inputs the same.
 * It fails when the read model skips a changed line, or when the cache trusts a state decided in a
 * rolled-back transaction at the version another instance then committed.
 */

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 12);
const BATCHES_PER_RUN = 25;
const START_MS = Date.parse('2026-12-01T08:00:00Z');
const MS_PER_DAY = 86_400_000;
const CACHED_ORDERS = 2;

const pick = fc.nat({ max: 1000 });
const days = fc.integer({ min: 0, max: 20 });

const commandArbitrary = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('place' as const), quantities: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('placeAgain' as const), pick, sameContent: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick, wholeOrder: fc.boolean() }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('decide' as const), pick, allocated: fc.nat(), rejected: fc.nat(), eta: fc.option(days) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('allocate' as const), pick, quantity: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('revoke' as const), pick, quantity: fc.integer({ min: 1, max: 5 }), eta: days }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('etaChange' as const), pick, eta: fc.option(days) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('atRisk' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancelled' as const), pick, released: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shipped' as const), pick, quantity: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('factForUnknownOrder' as const) }) },
);

const batchArbitrary = fc.record({
  instance: fc.nat({ max: 1 }),
  rollback: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  commands: fc.array(commandArbitrary, { minLength: 1, maxLength: 6, size: 'max' }),
});

type Generated = typeof commandArbitrary extends fc.Arbitrary<infer C> ? C : never;

class RolledBack extends Error {}

function dayAfter(daysLater: number): string {
  return new Date(START_MS + daysLater * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Builds commands from generated ones, with quantities that fit what the model knows of the line. */
class Script {
  private count = 0;
  readonly placed: { orderId: string; customerId: string; lines: { lineId: string; sku: string; quantity: number }[] }[] = [];

  constructor(
    private readonly model: ReadonlyMap<string, OrderState>,
    private readonly prefix: string,
  ) {}

  commandOf(generated: Generated): { inputId: string; command: OrderCommand } {
    this.count += 1;
    const metadata = { inputId: randomUUID(), now: new Date(START_MS + this.count * 60_000).toISOString() };
    return { inputId: metadata.inputId, command: this.build(generated, metadata) };
  }

  private build(generated: Generated, metadata: { inputId: string; now: string }): OrderCommand {
    const order = 'pick' in generated && this.placed.length > 0 ? this.placed[generated.pick % this.placed.length]! : undefined;
    const target = order ? order.lines[(generated as { pick: number }).pick % order.lines.length]! : undefined;
    const line = order && target ? this.lineState(order.orderId, target.lineId) : undefined;
    const fact = (built: LineFact): OrderCommand => ({ type: 'RecordLineFact', data: built, metadata });
    const ref = order && target ? { orderId: order.orderId, lineId: target.lineId, sku: target.sku } : { orderId: `${this.prefix}-none`, lineId: 'L1', sku: 'SKU-0' };
    switch (generated.kind) {
      case 'place': {
        const orderId = `${this.prefix}-O${this.count}`;
        const placedOrder = { orderId, customerId: `C${this.count}`, lines: generated.quantities.map((quantity, index) => ({ lineId: `L${index + 1}`, sku: `SKU-${index % 2}`, quantity })) };
        this.placed.push(placedOrder);
        return { type: 'PlaceOrder', data: { ...placedOrder, placedAt: new Date(START_MS).toISOString() }, metadata };
      }
      case 'placeAgain': {
        if (!order) return this.build({ kind: 'factForUnknownOrder' }, metadata);
        const customerId = generated.sameContent ? order.customerId : `${order.customerId}-other`;
        return { type: 'PlaceOrder', data: { orderId: order.orderId, customerId, lines: order.lines, placedAt: new Date(START_MS).toISOString() }, metadata };
      }
      case 'cancel':
        if (!order) return this.build({ kind: 'factForUnknownOrder' }, metadata);
        return { type: 'CancelOrder', data: { orderId: order.orderId, lineIds: generated.wholeOrder ? null : [ref.lineId], reason: 'changed my mind' }, metadata };
      case 'decide': {
        const quantity = target?.quantity ?? 1;
        const allocated = generated.allocated % (quantity + 1);
        const rejected = generated.rejected % (quantity - allocated + 1);
        const backordered = quantity - allocated - rejected;
        const status = allocated === quantity ? 'ALLOCATED' : allocated > 0 ? 'PARTIALLY_ALLOCATED' : backordered > 0 ? 'BACKORDERED' : 'REJECTED';
        const eta = backordered > 0 && generated.eta !== null ? dayAfter(generated.eta) : null;
        return fact({
          type: 'LineDecided',
          data: {
            ...ref,
            quantity,
            status,
            allocatedQuantity: allocated,
            backorderedQuantity: backordered,
            rejectedQuantity: rejected,
            rejectionReason: rejected > 0 ? 'OUT_OF_STOCK' : null,
            eta,
            etaConfidence: eta === null ? null : 'ESTIMATED',
            acceptedAt: new Date(START_MS).toISOString(),
            deadline: dayAfter(30),
          },
        });
      }
      case 'allocate': {
        const quantity = Math.max(1, Math.min(generated.quantity, line?.backorderedQuantity ?? 1));
        const allocatedQuantity = (line?.allocatedQuantity ?? 0) + quantity;
        return fact({ type: 'LineAllocated', data: { ...ref, quantity, allocatedQuantity, remainingQuantity: Math.max(0, (line?.backorderedQuantity ?? 0) - quantity) } });
      }
      case 'revoke': {
        const quantity = Math.max(1, Math.min(generated.quantity, line?.allocatedQuantity ?? 1));
        return fact({
          type: 'LineAllocationRevoked',
          data: { ...ref, quantity, allocatedQuantity: Math.max(0, (line?.allocatedQuantity ?? 0) - quantity), remainingQuantity: (line?.backorderedQuantity ?? 0) + quantity, eta: dayAfter(generated.eta), etaConfidence: 'ESTIMATED' },
        });
      }
      case 'etaChange': {
        const eta = generated.eta === null ? null : dayAfter(generated.eta);
        return fact({ type: 'LineEtaChanged', data: { ...ref, previousEta: line?.eta ?? null, eta, etaConfidence: eta === null ? null : 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED' } });
      }
      case 'atRisk':
        return fact({ type: 'LineBackorderAtRisk', data: { ...ref, eta: line?.eta ?? null, deadline: dayAfter(30) } });
      case 'cancelled': {
        const released = generated.released % ((line?.allocatedQuantity ?? 0) + 1);
        const quantity = released + (line?.backorderedQuantity ?? 0);
        return fact({ type: 'LineCancelled', data: { ...ref, quantity: Math.max(1, quantity), releasedQuantity: released, reason: 'CUSTOMER' } });
      }
      case 'shipped':
        return fact({ type: 'LineShipped', data: { ...ref, shipmentId: `S${this.count}`, quantity: generated.quantity } });
      case 'factForUnknownOrder':
        return fact({ type: 'LineBackorderAtRisk', data: { ...ref, orderId: `${this.prefix}-unknown-${this.count}`, eta: null, deadline: dayAfter(30) } });
      default: {
        const unknown: never = generated;
        throw new Error(`unknown command ${JSON.stringify(unknown)}`);
      }
    }
  }

  private lineState(orderId: string, lineId: string): LineState | undefined {
    const state = this.model.get(orderId);
    return state === undefined || state.status === 'UNKNOWN' ? undefined : state.lines.find((candidate) => candidate.lineId === lineId);
  }
}

/** What GET /orders/{id} must show for an order the pure decider holds in `state` after `events`. */
function expectedView(state: OrderState, events: readonly OrderEvent[]): unknown {
  if (state.status === 'UNKNOWN') return null;
  const { orderId, customerId, placedAt } = state.order;
  return {
    orderId,
    customerId,
    placedAt,
    status: orderStatus(state),
    lines: state.lines.map(({ lineId, sku, quantity, allocatedQuantity, backorderedQuantity, rejectedQuantity, shippedQuantity, cancelledQuantity, eta, etaConfidence }) => ({
      lineId,
      sku,
      quantity,
      allocatedQuantity,
      backorderedQuantity,
      rejectedQuantity,
      shippedQuantity,
      cancelledQuantity,
      eta,
      etaConfidence,
    })),
    history: JSON.parse(JSON.stringify(events.flatMap(updatesOf).map(customerUpdateEvent))) as unknown,
  };
}

describe('the orders write side and read model on PostgreSQL, over random batches, two instances and rollbacks', () => {
  const database = migratedDatabase('orders_property', 'orders', ORDERS_MIGRATIONS);

  it('stores and shows what the pure decider folds from the committed commands, whichever instance and cache', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArbitrary, { minLength: 1, maxLength: BATCHES_PER_RUN, size: 'max' }), async (batches) => {
        const model = new Map<string, OrderState>();
        const history = new Map<string, OrderEvent[]>();
        const script = new Script(model, randomUUID().slice(0, 8));
        const caches = [new OrderStates(CACHED_ORDERS), new OrderStates(CACHED_ORDERS)];
        for (const [index, batch] of batches.entries()) {
          const inputs = batch.commands.map((generated) => script.commandOf(generated));
          const work = database.db.transaction(async (tx) => {
            const outcome = await runOrderCommands(tx, inputs, caches[batch.instance]!);
            if (batch.rollback) throw new RolledBack();
            return outcome;
          });
          if (batch.rollback) {
            await expect(work).rejects.toBeInstanceOf(RolledBack);
          } else {
            const refused = (await work).rejected.map((rejection) => rejection.inputId);
            const expectedRefused: string[] = [];
            for (const { inputId, command } of inputs) {
              const orderId = command.type === 'RecordLineFact' ? command.data.data.orderId : command.data.orderId;
              const state = model.get(orderId) ?? initialState();
              try {
                const events = decide(command, state);
                model.set(orderId, events.reduce(evolve, state));
                history.set(orderId, [...(history.get(orderId) ?? []), ...events]);
              } catch (error) {
                if (!(error instanceof OrderRejection)) throw error;
                expectedRefused.push(inputId);
              }
            }
            expect({ batch: index, refused }).toEqual({ batch: index, refused: expectedRefused });
          }
          for (const { orderId } of script.placed) {
            const expected = expectedView(model.get(orderId) ?? initialState(), history.get(orderId) ?? []);
            const context = `batch ${index} (instance ${batch.instance}${batch.rollback ? ', rolled back' : ''}), order ${orderId}`;
            expect({ context, view: await findOrder(database.db, orderId) }).toEqual({ context, view: expected });
          }
        }
      }),
      // FC_SEED and FC_PATH replay a reported failure.
      { numRuns: NUM_RUNS, seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED), path: process.env.FC_PATH },
    );
  }, 600_000);
});
