import fc from 'fast-check';
import {
  ORDER_CANCELLED,
  ORDER_PLACED,
  TOPICS,
  type CloudEvent,
  type EcommerceOrderMessage,
  type FulfillmentLineFact,
} from '@restock/contracts';
import type { ConsumedInput } from '@restock/messaging';
import { crossing, minSteps, must, runOptions, runSteps } from './property-runs';
import {
  decide as decideSku,
  evolve as evolveSku,
  initialState as initialSkuState,
  openLine,
  type FulfillmentCommand,
  type FulfillmentState,
  type LineAccepted,
} from '@restock/fulfillment-domain';
import { etaNettingOf, factsIn, storedEventId, toSkuCommand, type CausedEvent, type DecidedInput, type SkuCommand } from '@restock/fulfillment-adapters';
import { decide as decideOrder, evolve as evolveOrder, initialState as initialOrderState, OrderRejection, type OrderCommand, type OrderState } from '@restock/orders-domain';
import { lineFactOf, orderCommandOf, outboxMessagesOf } from '@restock/orders-adapters';

/*
 * DESIGN.md's invariants as the customer sees them, across the two services that produce what a
 * customer reads. Orders go through the orders decider, their lines cross to the saga's deciders
 * (one per SKU) as the contract's JSON, the saga's facts come back the same way, and the orders
 * decider turns them into customer updates. Every message is validated against its topic's
 * contract on the way, and the adapters' own pure code builds them (the saga's netting of ETA
 * changes within a batch included). The saga works in batches that mix SKUs and inputs; orders
 * reads each SKU's facts in its own interleaving, so a line's facts meet the facts of the order's
 * other lines in any order. Pure: nothing is stored or sent.
 */

const NUM_RUNS = 500;
const STEPS_PER_RUN = 100;
const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'] as const;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const START_MS = Date.parse('2026-12-01T08:00:00Z');

type Policy = Extract<FulfillmentCommand, { type: 'DefineProduct' }>['data'];
type AcceptedData = LineAccepted['data'];
type Data = Record<string, unknown>;

const policyArbitrary: fc.Arbitrary<Policy> = fc.record({
  name: fc.constant('Oak shelf'),
  backorderable: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  maxBackorderDays: fc.integer({ min: 0, max: 8 }),
  leadTimeDays: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 6 }),
  onLimitExceeded: fc.constantFrom('CANCEL' as const, 'NOTIFY' as const),
});

const skuIndex = fc.nat({ max: SKUS.length - 1 });
const pick = fc.nat({ max: 1000 });

const stepArbitrary = fc.record({
  minutesLater: fc.integer({ min: 0, max: 720 }),
  action: fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('place' as const),
        lines: fc.array(fc.record({ sku: skuIndex, quantity: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 3 }),
        minutesAgo: fc.integer({ min: 0, max: 600 }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick, wholeOrder: fc.boolean() }) },
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('receive' as const), sku: skuIndex, quantity: fc.integer({ min: 1, max: 8 }), againstPurchaseOrder: fc.boolean(), pick }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('addSupply' as const),
        sku: skuIndex,
        quantity: fc.integer({ min: 1, max: 12 }),
        expectedInMinutes: fc.integer({ min: -2 * 1440, max: 10 * 1440 }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('rescheduleSupply' as const), pick, expectedInMinutes: fc.integer({ min: -2 * 1440, max: 10 * 1440 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancelSupply' as const), pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('adjust' as const), sku: skuIndex, delta: fc.integer({ min: -4, max: 4 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('ship' as const), pick, quantity: fc.integer({ min: 1, max: 5 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), daysLater: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('define' as const), sku: skuIndex, policy: policyArbitrary }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('discontinue' as const), sku: skuIndex }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('expedite' as const), pick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('hold' as const), pick }) },
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('sagaBatch' as const),
        takes: fc.array(fc.record({ sku: skuIndex, count: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 3 }),
      }),
    },
    { weight: 12, arbitrary: fc.record({ kind: fc.constant('ordersBatch' as const), sku: skuIndex, count: fc.integer({ min: 1, max: 6 }) }) },
  ),
});

type Step = typeof stepArbitrary extends fc.Arbitrary<infer S> ? S : never;


function lineKey(orderId: string, lineId: string): string {
  return `${orderId}/${lineId}`;
}


/** What one customer knows of one line, from the updates alone. */
interface ToldLine {
  allocated: number;
  waiting: number;
  shipped: number;
  eta: string | null;
  /** Undefined after a revocation, whose update carries the ETA but not its confidence. */
  etaConfidence: string | null | undefined;
  atRisk: boolean;
}

/** The customers: every update they receive, checked against what they were told before. */
class Customers {
  readonly updates = new Map<string, CloudEvent[]>();
  readonly lines = new Map<string, ToldLine>();
  readonly payments = new Map<string, number>();

  constructor(private readonly acceptedBySaga: ReadonlyMap<string, AcceptedData>) {}

  receive(update: CloudEvent): void {
    const data = update.data as Data;
    const orderId = data.orderId as string;
    const received = this.updates.get(orderId) ?? [];
    must(received.length > 0 || update.type === 'OrderAcknowledged', "the acknowledgement is the order's first update", update);
    must(received.length === 0 || update.type !== 'OrderAcknowledged', 'an order is acknowledged once', update);
    must(!received.some((earlier) => earlier.id === update.id), 'an update is sent once (its id is unique)', update);
    received.push(update);
    this.updates.set(orderId, received);
    if (update.type === 'OrderAcknowledged') return this.acknowledged(orderId, data);
    if (update.type === 'PaymentAuthorizationRequested') return this.paymentRequested(orderId, data);
    const key = lineKey(orderId, data.lineId as string);
    const line = this.lines.get(key);
    must(line !== undefined, 'a line update follows the acknowledgement that told the line', update);
    this.lineUpdate(line, update.type, data);
  }

  private acknowledged(orderId: string, data: Data): void {
    for (const told of data.lines as Data[]) {
      const key = lineKey(orderId, told.lineId as string);
      const accepted = this.acceptedBySaga.get(key);
      must(accepted !== undefined, 'an acknowledged line was decided by the saga', told);
      const asDecided = {
        lineId: told.lineId,
        sku: told.sku,
        quantity: accepted.quantity,
        status: accepted.status,
        allocatedQuantity: accepted.allocatedQuantity,
        backorderedQuantity: accepted.backorderedQuantity,
        rejectedQuantity: accepted.rejectedQuantity,
        eta: accepted.eta,
        etaConfidence: accepted.etaConfidence,
        rejectionReason: accepted.rejectionReason,
      };
      must(JSON.stringify(told) === JSON.stringify(asDecided), 'the acknowledgement reports each line as decided at acceptance', { told, asDecided });
      this.lines.set(key, {
        allocated: accepted.allocatedQuantity,
        waiting: accepted.backorderedQuantity,
        shipped: 0,
        eta: accepted.eta,
        etaConfidence: accepted.etaConfidence,
        atRisk: false,
      });
    }
  }

  private paymentRequested(orderId: string, data: Data): void {
    this.payments.set(orderId, (this.payments.get(orderId) ?? 0) + 1);
    must(this.payments.get(orderId) === 1, 'payment is requested once', data);
    const lines = [...this.lines].filter(([key]) => key.startsWith(`${orderId}/`));
    must(
      lines.every(([, line]) => line.waiting === 0),
      'payment is requested only when nothing of the order waits',
      lines,
    );
    const charged = lines
      .map(([key, line]) => ({ lineId: key.slice(orderId.length + 1), quantity: line.allocated + line.shipped }))
      .filter((line) => line.quantity > 0);
    const requested = (data.lines as Data[]).map((line) => ({ lineId: line.lineId, quantity: line.quantity }));
    must(JSON.stringify(requested) === JSON.stringify(charged), 'payment covers the allocated and shipped units the customer was told of', { requested, charged });
  }

  private lineUpdate(line: ToldLine, type: string, data: Data): void {
    switch (type) {
      case 'OrderLineAllocated': {
        must(line.allocated + (data.quantity as number) === data.allocatedQuantity, 'an allocation adds to what was allocated before', { line, data });
        must(line.waiting - (data.quantity as number) === data.remainingQuantity, 'an allocation comes out of the waiting units', { line, data });
        line.allocated = data.allocatedQuantity as number;
        line.waiting = data.remainingQuantity as number;
        return;
      }
      case 'OrderLineAllocationRevoked': {
        must(line.allocated - (data.quantity as number) === data.allocatedQuantity, 'a revocation takes from what was allocated', { line, data });
        must(line.waiting + (data.quantity as number) === data.remainingQuantity, 'revoked units wait again', { line, data });
        line.allocated = data.allocatedQuantity as number;
        line.waiting = data.remainingQuantity as number;
        line.eta = data.eta as string | null;
        line.etaConfidence = undefined;
        return;
      }
      case 'OrderLineEtaChanged': {
        must(line.waiting > 0, 'an ETA change is sent for a line that waits', { line, data });
        must(data.previousEta === line.eta, 'an ETA change starts from the ETA the customer was told', { line, data, received: this.updates.get(data.orderId as string) });
        // After a revocation the customer knows the ETA but not its confidence: a change of confidence alone may follow.
        const unchanged = data.eta === line.eta && line.etaConfidence !== undefined && data.etaConfidence === line.etaConfidence;
        must(!unchanged, 'an ETA change is sent only when the ETA changed', { line, data });
        line.eta = data.eta as string | null;
        line.etaConfidence = data.etaConfidence as string | null;
        return;
      }
      case 'OrderLineBackorderAtRisk':
        must(!line.atRisk, 'a line is told once that it is at risk', data);
        line.atRisk = true;
        return;
      case 'OrderLineCancelled': {
        const released = data.releasedQuantity as number;
        const fromQueue = (data.quantity as number) - released;
        must(released <= line.allocated && fromQueue <= line.waiting, 'a cancellation takes only units the customer was told are open', { line, data });
        line.allocated -= released;
        line.waiting -= fromQueue;
        return;
      }
      case 'OrderLineShipped': {
        const quantity = data.quantity as number;
        const fromAllocation = Math.min(line.allocated, quantity);
        line.allocated -= fromAllocation;
        line.waiting -= Math.min(line.waiting, quantity - fromAllocation);
        line.shipped += quantity;
        return;
      }
      default:
        throw new Error(`unexpected customer update ${type}`);
    }
  }
}

/** The two services' deciders, the topics between them, and the customers at the end. */
class World {
  clockMs = START_MS;
  private inputs = 0;
  readonly skuStates = new Map<string, FulfillmentState>(SKUS.map((sku) => [sku, initialSkuState(sku)]));
  readonly orderStates = new Map<string, OrderState>();
  /** Per SKU, the saga's inputs in arrival order: order lines, supply, stock, time. */
  readonly sagaInbox = new Map<string, SkuCommand[]>(SKUS.map((sku) => [sku, []]));
  /** Per SKU (the partition key), the saga's facts orders has not read yet. */
  readonly factsTopic = new Map<string, CloudEvent[]>(SKUS.map((sku) => [sku, []]));
  readonly acceptedBySaga = new Map<string, AcceptedData>();
  readonly customers = new Customers(this.acceptedBySaga);
  readonly orders: { orderId: string; lines: { lineId: string; sku: string }[] }[] = [];
  readonly purchaseOrders: { sku: string; purchaseOrderId: string }[] = [];

  now(): string {
    return new Date(this.clockMs).toISOString();
  }

  private nextId(prefix: string): string {
    this.inputs += 1;
    return `${prefix}-${this.inputs}`;
  }

  define(sku: string, policy: Policy): void {
    this.decideSkuBatch([{ sku, command: { type: 'DefineProduct', data: policy, metadata: { now: this.now(), inputId: this.nextId('define') } } }]);
  }

  run(step: Step): void {
    this.clockMs += step.minutesLater * MS_PER_MINUTE;
    const action = step.action;
    const now = this.now();
    switch (action.kind) {
      case 'place':
        return this.place(action.lines, new Date(this.clockMs - action.minutesAgo * MS_PER_MINUTE).toISOString());
      case 'cancel':
        return this.cancel(action.pick, action.wholeOrder);
      case 'receive': {
        const supplies = this.purchaseOrders.filter((supply) => supply.sku === SKUS[action.sku]);
        const purchaseOrderId = action.againstPurchaseOrder && supplies.length > 0 ? supplies[action.pick % supplies.length]!.purchaseOrderId : null;
        return this.toSaga(SKUS[action.sku], { type: 'ReceiveStock', data: { receiptId: this.nextId('R'), quantity: action.quantity, purchaseOrderId }, metadata: this.metadata() });
      }
      case 'addSupply': {
        const purchaseOrderId = this.nextId('PO');
        this.purchaseOrders.push({ sku: SKUS[action.sku], purchaseOrderId });
        const expectedAt = new Date(this.clockMs + action.expectedInMinutes * MS_PER_MINUTE).toISOString();
        return this.toSaga(SKUS[action.sku], { type: 'AddSupply', data: { purchaseOrderId, quantity: action.quantity, expectedAt }, metadata: this.metadata() });
      }
      case 'rescheduleSupply': {
        if (this.purchaseOrders.length === 0) return;
        const { sku, purchaseOrderId } = this.purchaseOrders[action.pick % this.purchaseOrders.length]!;
        const expectedAt = new Date(this.clockMs + action.expectedInMinutes * MS_PER_MINUTE).toISOString();
        return this.toSaga(sku, { type: 'RescheduleSupply', data: { purchaseOrderId, expectedAt }, metadata: this.metadata() });
      }
      case 'cancelSupply': {
        if (this.purchaseOrders.length === 0) return;
        const { sku, purchaseOrderId } = this.purchaseOrders[action.pick % this.purchaseOrders.length]!;
        return this.toSaga(sku, { type: 'CancelSupply', data: { purchaseOrderId }, metadata: this.metadata() });
      }
      case 'adjust':
        return this.toSaga(SKUS[action.sku], { type: 'AdjustStock', data: { countId: this.nextId('C'), delta: action.delta }, metadata: this.metadata() });
      case 'ship': {
        const line = this.lineAt(action.pick);
        if (line === undefined) return;
        const { orderId, lineId, sku } = line;
        return this.toSaga(sku, { type: 'RecordShipment', data: { shipmentId: this.nextId('S'), orderId, lineId, quantity: action.quantity }, metadata: this.metadata() });
      }
      case 'define':
        return this.toSaga(SKUS[action.sku], { type: 'DefineProduct', data: action.policy, metadata: this.metadata() });
      case 'discontinue':
        return this.toSaga(SKUS[action.sku], { type: 'DiscontinueProduct', data: {}, metadata: this.metadata() });
      case 'expedite':
      case 'hold': {
        // Operator actions on a line's place in the queue reach the saga directly.
        const line = this.lineAt(action.pick);
        if (line === undefined) return;
        const { orderId, lineId, sku } = line;
        const type = action.kind === 'expedite' ? ('ExpediteLine' as const) : ('HoldLine' as const);
        return this.toSaga(sku, { type, data: { orderId, lineId, reason: 'operator' }, metadata: this.metadata() });
      }
      case 'tick':
        this.clockMs += action.daysLater * MS_PER_DAY;
        for (const sku of SKUS) this.toSaga(sku, { type: 'Tick', data: {}, metadata: this.metadata() });
        return;
      case 'sagaBatch':
        return this.sagaBatch(action.takes.map(({ sku, count }) => ({ sku: SKUS[sku], count })));
      case 'ordersBatch':
        return this.ordersBatch(SKUS[action.sku], action.count);
      default: {
        const unknown: never = action;
        throw new Error(`unknown step ${JSON.stringify(unknown)} at ${now}`);
      }
    }
  }

  /** Lets every message reach its reader, in batches as they come. */
  drain(): void {
    for (;;) {
      const sagaWaiting = SKUS.filter((sku) => this.sagaInbox.get(sku)!.length > 0);
      const factsWaiting = SKUS.filter((sku) => this.factsTopic.get(sku)!.length > 0);
      if (sagaWaiting.length === 0 && factsWaiting.length === 0) return;
      if (sagaWaiting.length > 0) this.sagaBatch(sagaWaiting.map((sku) => ({ sku, count: 4 })));
      for (const sku of factsWaiting) this.ordersBatch(sku, 5);
    }
  }

  private lineAt(pick: number): { orderId: string; lineId: string; sku: string } | undefined {
    const lines = this.orders.flatMap((order) => order.lines.map((line) => ({ orderId: order.orderId, ...line })));
    return lines.length === 0 ? undefined : lines[pick % lines.length];
  }

  private metadata(): { now: string; inputId: string } {
    return { now: this.now(), inputId: this.nextId('input') };
  }

  private toSaga(sku: string, command: FulfillmentCommand): void {
    this.sagaInbox.get(sku)!.push({ sku, command });
  }

  private place(lines: readonly { sku: number; quantity: number }[], placedAt: string): void {
    const orderId = this.nextId('order');
    const data = { orderId, customerId: `customer-${orderId}`, placedAt, lines: lines.map((line, index) => ({ lineId: `line-${index + 1}`, sku: SKUS[line.sku], quantity: line.quantity })) };
    this.orders.push({ orderId, lines: data.lines.map(({ lineId, sku }) => ({ lineId, sku })) });
    this.intake({ specversion: '1.0', id: this.nextId('placed'), source: 'urn:storefront', type: ORDER_PLACED, time: this.now(), datacontenttype: 'application/json', data });
  }

  private cancel(pickOrder: number, wholeOrder: boolean): void {
    if (this.orders.length === 0) return;
    const order = this.orders[pickOrder % this.orders.length]!;
    const data = wholeOrder ? { orderId: order.orderId } : { orderId: order.orderId, lineIds: [order.lines[pickOrder % order.lines.length]!.lineId], reason: 'changed my mind' };
    this.intake({ specversion: '1.0', id: this.nextId('cancelled'), source: 'urn:storefront', type: ORDER_CANCELLED, time: this.now(), datacontenttype: 'application/json', data });
  }

  /** The e-commerce platform's message, through the contract and the orders intake's mapping. */
  private intake(message: Data): void {
    const event = crossing(TOPICS.ecommerceOrders, message) as EcommerceOrderMessage;
    this.decideOrder(orderCommandOf(event));
  }

  /** One of orders' transactions: decide, then publish what the new events publish. */
  private decideOrder(command: OrderCommand): void {
    const orderId = command.type === 'RecordLineFact' ? command.data.data.orderId : command.data.orderId;
    const state = this.orderStates.get(orderId) ?? initialOrderState();
    let events;
    try {
      events = decideOrder(command, state);
    } catch (error) {
      // Every message here is one the services send each other in a correct run: none may be refused.
      if (error instanceof OrderRejection) throw new Error(`orders refused ${JSON.stringify(command)}: ${error.code} ${error.message}`);
      throw error;
    }
    this.orderStates.set(orderId, events.reduce(evolveOrder, state));
    for (const message of events.flatMap(outboxMessagesOf)) {
      const event = crossing(message.topic, message.value);
      if (message.topic === TOPICS.customerUpdates) {
        this.customers.receive(event);
      } else {
        const input = { event, topic: message.topic, partition: 0, message: { timestamp: '0' } } as unknown as ConsumedInput;
        const sagaCommand = toSkuCommand(input);
        if (sagaCommand !== null) this.sagaInbox.get(sagaCommand.sku)!.push(sagaCommand);
      }
    }
  }

  /** One of the saga's transactions, taking inputs of several SKUs in turn. */
  private sagaBatch(takes: readonly { sku: string; count: number }[]): void {
    const batch: SkuCommand[] = [];
    for (const { sku, count } of takes) batch.push(...this.sagaInbox.get(sku)!.splice(0, count));
    this.decideSkuBatch(batch);
  }

  private decideSkuBatch(batch: readonly SkuCommand[]): void {
    const decided: DecidedInput[] = [];
    for (const { sku, command } of batch) {
      const state = this.skuStates.get(sku)!;
      const decision = decideSku(command, state);
      // A refused input (a cancellation of a line that is closed, a shipment beyond reason) is
      // dead-lettered and changes nothing.
      if (decision.status !== 'DECIDED') continue;
      for (const event of decision.events) {
        evolveSku(state, event);
        if (event.type === 'LineAccepted') this.acceptedBySaga.set(lineKey(event.data.orderId, event.data.lineId), event.data);
      }
      if (decision.events.length > 0) decided.push({ sku, inputId: command.metadata.inputId, time: command.metadata.now, events: decision.events });
    }
    const caused: CausedEvent[] = [];
    let position = 0;
    for (const input of decided) {
      input.events.forEach((event, index) => {
        caused.push({ eventId: storedEventId(input, index), sku: input.sku, event, inputId: input.inputId, time: input.time, position });
        position += 1;
      });
    }
    for (const fact of factsIn(caused, etaNettingOf(decided))) {
      this.factsTopic.get(fact.key!)!.push(crossing(fact.topic, fact.value));
    }
  }

  /** One of orders' batches of one SKU's facts, in the partition's order. */
  private ordersBatch(sku: string, count: number): void {
    for (const event of this.factsTopic.get(sku)!.splice(0, count)) {
      this.decideOrder({ type: 'RecordLineFact', data: lineFactOf(event as FulfillmentLineFact), metadata: { inputId: event.id, now: event.time } });
    }
  }

  /** Once every message has been read: what each customer was told is the truth. */
  checkSettled(): void {
    for (const order of this.orders) {
      must(this.customers.updates.get(order.orderId)?.[0]?.type === 'OrderAcknowledged', 'every order whose lines were all decided is acknowledged', order);
      const state = this.orderStates.get(order.orderId)!;
      must(state.status === 'ACKNOWLEDGED', 'orders knows the order is acknowledged', state);
      for (const { lineId, sku } of order.lines) {
        const key = lineKey(order.orderId, lineId);
        const told = this.customers.lines.get(key)!;
        const saga = openLine(this.skuStates.get(sku)!, order.orderId, lineId);
        const truth = { allocated: saga?.allocatedQuantity ?? 0, waiting: saga?.remainingQuantity ?? 0 };
        must(told.allocated === truth.allocated && told.waiting === truth.waiting, "the customer's allocated and waiting units are the saga's", { key, told, truth });
        const view = state.lines.find((line) => line.lineId === lineId)!;
        must(view.allocatedQuantity === truth.allocated && view.backorderedQuantity === truth.waiting, "orders' view of the line is the saga's", { key, view, truth });
        if (truth.waiting > 0) {
          must(told.eta === saga!.eta, 'the ETA last sent is the current ETA', { key, told, saga });
          must(told.etaConfidence === undefined || told.etaConfidence === saga!.etaConfidence, 'the confidence last sent is the current one', { key, told, saga });
        }
      }
      const settled = state.lines.every((line) => line.backorderedQuantity === 0);
      const charged = state.lines.some((line) => line.allocatedQuantity + line.shippedQuantity > 0);
      if (settled && charged) must(this.customers.payments.get(order.orderId) === 1, 'a settled order with something to charge had its payment requested', state);
    }
  }
}

describe('customer updates across orders and the fulfillment saga, over random runs', () => {
  it("tell every customer the truth: acknowledgement first and as decided, honest ETAs and quantities, payment once", () => {
    fc.assert(
      fc.property(
        fc.array(policyArbitrary, { minLength: SKUS.length, maxLength: SKUS.length }),
        fc.array(stepArbitrary, { minLength: minSteps(), maxLength: STEPS_PER_RUN, size: 'max' }),
        (policies, steps) => {
          const world = new World();
          SKUS.forEach((sku, index) => world.define(sku, policies[index]!));
          runSteps(steps, (step) => world.run(step));
          world.drain();
          world.checkSettled();
        },
      ),
      runOptions(NUM_RUNS),
    );
  });
});
