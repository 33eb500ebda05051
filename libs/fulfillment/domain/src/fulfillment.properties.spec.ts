import fc from 'fast-check';
import type { DefineProduct, FulfillmentCommand } from './commands';
import { type Decision, decide } from './decide';
import type { FulfillmentEvent } from './events';
import { evolve } from './evolve';
import { waitingLinesInOrder } from './backorder-queue';
import { type FulfillmentState, type OrderLine, initialState } from './fulfillment-state';
import { type WaitingLine, availability, backorderQueue, ledger, openLine, openLines } from './read-models';
import { restore, restoreFrom, snapshot, snapshotHead, snapshotLines } from './snapshot';
import * as command from './testing/fulfillment-commands';
import { SKU } from './testing/given-when-then';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 1000);
const STEPS_PER_RUN = 100;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const START_MS = Date.parse('2026-12-01T08:00:00Z');

type Eta = { eta: string | null; etaConfidence: string | null };
type Policy = DefineProduct['data'];

const policyArbitrary: fc.Arbitrary<Policy> = fc.record({
  name: fc.constant('Walnut desk'),
  backorderable: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  maxBackorderDays: fc.integer({ min: 0, max: 8 }),
  leadTimeDays: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 5 }),
  onLimitExceeded: fc.constantFrom('CANCEL' as const, 'NOTIFY' as const),
});

const pick = fc.nat({ max: 1000 });

/** One step of a run: how much later it happens, and what arrives. */
const stepArbitrary = fc.record({
  minutesLater: fc.integer({ min: 0, max: 600 }),
  action: fc.oneof(
    { weight: 20, arbitrary: fc.record({ kind: fc.constant('place' as const), quantity: fc.integer({ min: 1, max: 6 }), minutesAgo: fc.integer({ min: 0, max: 2880 }) }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('receive' as const), quantity: fc.integer({ min: 1, max: 8 }), againstPurchaseOrder: fc.boolean(), pick }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('addSupply' as const), quantity: fc.integer({ min: 1, max: 12 }), expectedInMinutes: fc.integer({ min: -3 * 1440, max: 12 * 1440 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('rescheduleSupply' as const), pick, expectedInMinutes: fc.integer({ min: -3 * 1440, max: 12 * 1440 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancelSupply' as const), pick }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('adjust' as const), delta: fc.integer({ min: -5, max: 5 }) }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('ship' as const), pick, quantity: fc.integer({ min: 1, max: 5 }), unknownLine: fc.integer({ min: 0, max: 4 }).map((roll) => roll === 0) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('discontinue' as const) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('define' as const), policy: policyArbitrary }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('tick' as const), daysLater: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('expedite' as const), pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('hold' as const), pick }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick }) },
  ),
});

type Step = typeof stepArbitrary extends fc.Arbitrary<infer S> ? S : never;

function key(orderId: string, lineId: string): string {
  return `${orderId}/${lineId}`;
}

function etaOf(data: Eta): Eta {
  return { eta: data.eta, etaConfidence: data.etaConfidence };
}

function sameEta(a: Eta, b: Eta): boolean {
  return a.eta === b.eta && a.etaConfidence === b.etaConfidence;
}

/**
 * The model: what an observer of inputs and outputs knows, kept independently of the state, and
 * the adapter's part (dropping inputs it has already processed).
 */
class Model {
  readonly state: FulfillmentState = initialState(SKU);
  readonly history: FulfillmentEvent[] = [];
  /** Built from the emitted events alone, from the initial state. */
  readonly replica: FulfillmentState = initialState(SKU);
  readonly processed = new Map<string, FulfillmentCommand>();
  clockMs = START_MS;
  lastDecidedMs = START_MS;
  policy: Policy | null = null;
  discontinued = false;
  readonly orders: string[] = [];
  readonly purchaseOrders: string[] = [];
  stockIn = 0;
  stockOut = 0;
  stockCorrected = 0;
  readonly accepted = new Map<string, number>();
  readonly shipped = new Map<string, number>();
  readonly cancelled = new Map<string, number>();
  readonly told = new Map<string, Eta>();
  readonly toldAtRisk = new Set<string>();
  private inputs = 0;
  lastInput: { input: FulfillmentCommand; decision: Decision } | null = null;

  now(): string {
    return new Date(this.clockMs).toISOString();
  }

  run(step: Step): void {
    this.clockMs += step.minutesLater * MS_PER_MINUTE;
    const next = this.commandFor(step.action);
    if (next !== null) {
      this.deliver(next);
    }
  }

  private commandFor(action: Step['action']): FulfillmentCommand | null {
    const now = this.now();
    this.inputs += 1;
    switch (action.kind) {
      case 'place': {
        const orderId = `O${this.inputs}`;
        this.orders.push(orderId);
        return command.placeLine(now, orderId, action.quantity, new Date(this.clockMs - action.minutesAgo * MS_PER_MINUTE).toISOString());
      }
      case 'cancel':
        return this.orders.length === 0 ? null : command.cancelLine(now, this.orders[action.pick % this.orders.length]);
      case 'receive': {
        const purchaseOrderId =
          action.againstPurchaseOrder && this.purchaseOrders.length > 0 ? this.purchaseOrders[action.pick % this.purchaseOrders.length] : null;
        return command.receiveStock(now, `R${this.inputs}`, action.quantity, purchaseOrderId);
      }
      case 'addSupply': {
        const purchaseOrderId = `PO${this.inputs}`;
        this.purchaseOrders.push(purchaseOrderId);
        return command.addSupply(now, purchaseOrderId, action.quantity, new Date(this.clockMs + action.expectedInMinutes * MS_PER_MINUTE).toISOString());
      }
      case 'rescheduleSupply':
        return this.purchaseOrders.length === 0
          ? null
          : command.rescheduleSupply(
              now,
              this.purchaseOrders[action.pick % this.purchaseOrders.length],
              new Date(this.clockMs + action.expectedInMinutes * MS_PER_MINUTE).toISOString(),
            );
      case 'cancelSupply':
        return this.purchaseOrders.length === 0 ? null : command.cancelSupply(now, this.purchaseOrders[action.pick % this.purchaseOrders.length]);
      case 'adjust':
        return command.adjustStock(now, `C${this.inputs}`, action.delta);
      case 'ship': {
        const orderId = action.unknownLine || this.orders.length === 0 ? `GHOST${this.inputs}` : this.orders[action.pick % this.orders.length];
        return command.recordShipment(now, `S${this.inputs}`, orderId, action.quantity);
      }
      case 'discontinue':
        return command.discontinueProduct(now);
      case 'define':
        return command.defineProduct(now, action.policy);
      case 'tick':
        this.clockMs += action.daysLater * MS_PER_DAY;
        return command.tick(this.now());
      case 'expedite':
        return this.orders.length === 0 ? null : command.expediteLine(now, this.orders[action.pick % this.orders.length]);
      case 'hold':
        return this.orders.length === 0 ? null : command.holdLine(now, this.orders[action.pick % this.orders.length]);
      case 'redeliver': {
        const past = [...this.processed.values()];
        return past.length === 0 ? null : past[action.pick % past.length];
      }
    }
  }

  deliver(input: FulfillmentCommand): void {
    if (this.processed.has(input.metadata.inputId)) {
      return;
    }
    this.processed.set(input.metadata.inputId, input);
    const before = snapshot(this.state);
    const queueBefore = backorderQueue(this.state);
    const decision = decide(input, this.state);
    this.lastInput = { input, decision };
    expectSame(snapshot(this.state), before, 'decide must not change the state');
    expectSame(decide(input, this.state), decision, 'decide must be deterministic');
    expectSame(decide(input, restore(JSON.parse(JSON.stringify(before)))), decision, 'a restored state must decide the same');
    if (decision.status === 'DECIDED') {
      this.record(input, decision);
      checkInvariants(this, queueBefore, decision.events);
    }
  }

  private record(input: FulfillmentCommand, decision: Extract<Decision, { status: 'DECIDED' }>): void {
    this.lastDecidedMs = Math.max(this.lastDecidedMs, Date.parse(input.metadata.now));
    if (input.type === 'ReceiveStock') this.stockIn += input.data.quantity;
    if (input.type === 'RecordShipment') this.stockOut += input.data.quantity;
    if (input.type === 'AdjustStock') this.stockCorrected += input.data.delta;
    if (input.type === 'DefineProduct') this.policy = input.data;
    if (input.type === 'DiscontinueProduct') this.discontinued = true;
    for (const event of decision.events) {
      this.observe(event);
      evolve(this.state, event);
      evolve(this.replica, event);
      this.history.push(event);
    }
  }

  /** Follows what customers were told, checking each message against what they knew. */
  private observe(event: FulfillmentEvent): void {
    switch (event.type) {
      case 'LineAccepted': {
        const accepted = event.data.allocatedQuantity + event.data.backorderedQuantity;
        if (accepted > 0) {
          this.accepted.set(key(event.data.orderId, event.data.lineId), accepted);
        }
        this.told.set(key(event.data.orderId, event.data.lineId), etaOf(event.data));
        return;
      }
      case 'LineEtaChanged': {
        const lineKey = key(event.data.orderId, event.data.lineId);
        const previous = { eta: event.data.previousEta, etaConfidence: event.data.previousEtaConfidence };
        const told = this.told.get(lineKey);
        must(told !== undefined && sameEta(previous, told), 'an ETA change starts from the ETA last sent', { event, told });
        must(!sameEta(previous, event.data), 'an ETA change is sent only when the ETA changed', event);
        this.told.set(lineKey, etaOf(event.data));
        return;
      }
      case 'AllocationRevoked':
        this.told.set(key(event.data.orderId, event.data.lineId), etaOf(event.data));
        return;
      case 'BackorderAtRisk': {
        const lineKey = key(event.data.orderId, event.data.lineId);
        must(!this.toldAtRisk.has(lineKey), 'a line is told it is at risk once', event);
        this.toldAtRisk.add(lineKey);
        return;
      }
      case 'LineShipped':
        add(this.shipped, key(event.data.orderId, event.data.lineId), event.data.allocatedUnitsShipped + event.data.waitingUnitsShipped);
        return;
      case 'LineCancelled':
        add(this.cancelled, key(event.data.orderId, event.data.lineId), event.data.quantity);
        return;
      default:
        return;
    }
  }
}

function add(totals: Map<string, number>, lineKey: string, quantity: number): void {
  totals.set(lineKey, (totals.get(lineKey) ?? 0) + quantity);
}

function checkInvariants(model: Model, queueBefore: WaitingLine[], events: readonly FulfillmentEvent[]): void {
  const state = model.state;
  const stock = ledger(state);
  const lines = openLines(state);
  const queue = backorderQueue(state);
  const waitingAfter = (orderId: string, lineId: string) => openLine(state, orderId, lineId)?.remainingQuantity ?? 0;

  must(stock.allocated >= 0 && stock.allocated <= Math.max(0, stock.onHand), 'no oversell', stock);
  must(stock.allocated === lines.reduce((sum, line) => sum + line.allocatedQuantity, 0), 'allocated is the sum over lines', stock);
  must(stock.backorderedQuantity === queue.reduce((sum, line) => sum + line.remainingQuantity, 0), 'waiting units add up', stock);
  must(stock.queueDepth === queue.length, 'queue depth counts waiting lines', stock);
  must(queue.length === 0 || stock.atp <= 0, 'stock flows to a non-empty queue', stock);
  must(stock.onHand === model.stockIn - model.stockOut + model.stockCorrected, 'on hand = receipts - shipments + corrections', stock);

  // FIFO, in the queue order before the input (which reflects expedites).
  for (const event of events) {
    if (event.type === 'StockAllocated') {
      const position = queueBefore.findIndex((line) => line.orderId === event.data.orderId && line.lineId === event.data.lineId);
      must(position >= 0, 'only a waiting line receives stock', event);
      for (const ahead of queueBefore.slice(0, position)) {
        must(waitingAfter(ahead.orderId, ahead.lineId) === 0, 'no line receives stock while a line ahead still waits', { event, ahead });
      }
    }
    if (event.type === 'LineAccepted' && event.data.allocatedQuantity > 0) {
      must(queueBefore.every((ahead) => waitingAfter(ahead.orderId, ahead.lineId) === 0), 'a new line is allocated only behind nobody', event);
    }
    if (event.type === 'LineEtaChanged') {
      must(waitingAfter(event.data.orderId, event.data.lineId) > 0, 'ETA changes are sent for waiting lines only', event);
    }
  }

  for (const [lineKey, accepted] of model.accepted) {
    const [orderId, lineId] = lineKey.split('/');
    const line = openLine(state, orderId, lineId);
    const accountedFor =
      (line?.allocatedQuantity ?? 0) + (line?.remainingQuantity ?? 0) + (model.shipped.get(lineKey) ?? 0) + (model.cancelled.get(lineKey) ?? 0);
    must(accountedFor === accepted, 'every accepted unit is allocated, shipped, cancelled or queued', { lineKey, accepted, line });
  }

  // Honest ETAs, non-decreasing along the queue, equal to an independent projection of rule 3.
  const expected = projectedEtas(model, queue);
  queue.forEach((line, index) => {
    const lineKey = key(line.orderId, line.lineId);
    const told = model.told.get(lineKey);
    must(told !== undefined && sameEta(told, line), 'the ETA last sent is the current ETA', { line, told });
    must(sameEta(expected[index], line), 'the ETA follows rule 3', { line, expected: expected[index] });
    const ahead = index > 0 ? queue[index - 1].eta : undefined;
    must(ahead === undefined || (ahead === null ? line.eta === null : line.eta === null || line.eta >= ahead), 'ETAs never decrease along the queue', line);
  });

  // Backorder limit and discontinuation, as of the latest input.
  for (const line of queue) {
    const pastDeadline = model.lastDecidedMs > Date.parse(line.deadline);
    if (model.policy?.onLimitExceeded === 'CANCEL' && openLine(state, line.orderId, line.lineId)?.held !== true) {
      must(!pastDeadline, 'no line waits past its deadline under CANCEL unless held', line);
    }
    if (line.eta === null || line.eta > line.deadline.slice(0, 10) || pastDeadline) {
      must(model.toldAtRisk.has(key(line.orderId, line.lineId)), 'a line past its deadline or with an ETA past it was told it is at risk', line);
    }
  }
  if (model.discontinued) {
    const pipelineUnits = stock.pipeline.reduce((sum, supply) => sum + supply.remainingQuantity, 0);
    must(stock.backorderedQuantity <= pipelineUnits, 'a discontinued product only keeps waiting units the pipeline covers', stock);
  }

  // The queue's records are the owned state's own: reading them in order finds the lines that
  // looking every key up finds (a stale record would show a line that left, or an old record).
  for (const owned of [state, model.replica]) {
    const byKey: OrderLine[] = [];
    for (let index = owned.queue.head; index < owned.queue.keys.length; index += 1) {
      const line = owned.lines.get(owned.queue.keys[index]);
      if (line !== undefined && line.waiting > 0 && line.rank === owned.queue.ranks[index]) byKey.push(line);
    }
    const byRecord = waitingLinesInOrder(owned.queue, owned.lines);
    must(byRecord.length === byKey.length && byRecord.every((line, index) => line === byKey[index]), 'queue records are the current line records', {
      byKey: byKey.map((line) => line.key),
      byRecord: byRecord.map((line) => line.key),
    });
  }

  // Replay equivalence and snapshot round trip.
  const saved = snapshot(state);
  expectSame(snapshot(model.replica), saved, 'replaying the events must rebuild the state');
  expectSame(snapshot(restore(JSON.parse(JSON.stringify(saved)))), saved, 'a snapshot must round-trip');
  expectSame(snapshot(restoreFrom(snapshotHead(state), snapshotLines(state))), saved, 'a snapshot in parts must round-trip');
}

/**
 * What GET /availability promises for `quantity` now is what a line of that quantity placed now
 * gets: IN_STOCK is allocated at once; BACKORDER waits with exactly the ETA shown, after what is
 * available now; OUT_OF_STOCK and DISCONTINUED get no more than what is available now.
 */
function checkAvailabilityPromise(state: FulfillmentState, quantity: number, now: string): void {
  const shown = availability(state, quantity, now);
  if (shown === null) return;
  const decision = decide(command.placeLine(now, 'ASKING', quantity, now), state);
  must(decision.status === 'DECIDED', 'a line of a defined product is decided', { shown, decision });
  const accepted = decision.events.find((event) => event.type === 'LineAccepted');
  must(accepted?.type === 'LineAccepted', 'a placed line is accepted or rejected', decision.events);
  const got = accepted.data;
  const context = { shown, got };
  switch (shown.status) {
    case 'IN_STOCK':
      must(got.allocatedQuantity === quantity, 'IN_STOCK: the line is allocated at once', context);
      return;
    case 'BACKORDER':
      must(got.allocatedQuantity === shown.availableNow && got.backorderedQuantity === quantity - shown.availableNow, 'BACKORDER: what is available now is allocated, the rest waits', context);
      must(got.eta === shown.eta && got.etaConfidence === shown.etaConfidence, 'BACKORDER: the line waits with the ETA shown', context);
      return;
    case 'OUT_OF_STOCK':
    case 'DISCONTINUED':
      must(got.backorderedQuantity === 0 && got.allocatedQuantity <= shown.availableNow, `${shown.status}: nothing waits and no more than shown is allocated`, context);
      return;
  }
}

/** A plain check: jest's expect is too slow for the thousands of checks of every step. */
function must(condition: boolean, invariant: string, context: unknown): asserts condition {
  if (!condition) {
    throw new Error(`invariant broken: ${invariant}\n${JSON.stringify(context)}`);
  }
}

/** Deep equality, compared as JSON first because most steps pass and jest's diff is slow. */
function expectSame(actual: unknown, expected: unknown, because: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    expect({ because, actual }).toEqual({ because, actual: expected });
  }
}

/** Rule 3 written the plain way, unit by unit, for comparison with the queue walk. */
function projectedEtas(model: Model, queue: readonly WaitingLine[]): Eta[] {
  const leadTimeDays = model.policy?.leadTimeDays ?? null;
  const today = Math.floor(model.lastDecidedMs / MS_PER_DAY);
  const supplyUnits: number[] = [];
  const pipeline = [...ledger(model.state).pipeline].sort((a, b) => Date.parse(a.expectedAt) - Date.parse(b.expectedAt));
  pipeline.forEach((supply) => supplyUnits.push(...Array<number>(supply.remainingQuantity).fill(Math.floor(Date.parse(supply.expectedAt) / MS_PER_DAY))));
  const latest = supplyUnits.length > 0 ? supplyUnits[supplyUnits.length - 1] : null;
  let nextUnit = 0;
  let ahead: number | null | undefined;
  return queue.map((line) => {
    let day: number | null = Number.NEGATIVE_INFINITY;
    let estimated = false;
    for (let unit = 0; unit < line.remainingQuantity; unit += 1) {
      const covered = nextUnit < supplyUnits.length ? supplyUnits[nextUnit] : undefined;
      nextUnit += 1;
      let unitDay: number | null;
      if (covered !== undefined) {
        unitDay = covered;
      } else if (leadTimeDays === null) {
        unitDay = null;
      } else {
        estimated = true;
        const base = Math.max(Math.floor(Date.parse(line.acceptedAt) / MS_PER_DAY) + leadTimeDays, latest ?? Number.NEGATIVE_INFINITY);
        unitDay = today > base ? today + leadTimeDays : base;
      }
      day = day === null || unitDay === null ? null : Math.max(day, unitDay);
    }
    if (ahead === null) {
      day = null;
    } else if (ahead !== undefined && day !== null) {
      day = Math.max(day, ahead);
    }
    ahead = day;
    return day === null
      ? { eta: null, etaConfidence: null }
      : { eta: new Date(day * MS_PER_DAY).toISOString().slice(0, 10), etaConfidence: estimated ? 'ESTIMATED' : 'CONFIRMED' };
  });
}

describe('fulfillment of one SKU over random input sequences', () => {
  it('keeps every invariant of DESIGN.md after every step', () => {
    fc.assert(
      fc.property(policyArbitrary, fc.array(stepArbitrary, { minLength: STEPS_PER_RUN, maxLength: STEPS_PER_RUN }), (policy, steps) => {
        const model = new Model();
        model.deliver(command.defineProduct(model.now(), policy));
        steps.forEach((step, index) => {
          try {
            model.run(step);
            for (const quantity of [1, 4]) checkAvailabilityPromise(model.state, quantity, model.now());
          } catch (error) {
            throw new Error(`step ${index}: ${JSON.stringify(model.lastInput)}\n${String(error)}`);
          }
        });
        const replayed = model.history.reduce((replay, event) => evolve(replay, event), initialState(SKU));
        expectSame(snapshot(replayed), snapshot(model.state), 'a full replay must rebuild the state');
      }),
      // FC_SEED and FC_PATH replay a reported failure.
      { numRuns: NUM_RUNS, seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED), path: process.env.FC_PATH },
    );
  });
});
