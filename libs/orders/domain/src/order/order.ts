import { acknowledgement, lineUpdate, paymentRequest, type Cause, type CustomerUpdate } from './customer-updates';
import { applyFact, isOpen, undecidedLine, type LineFact, type LineState } from './line-facts';

export interface OrderLine {
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
}

export interface PlacedOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly placedAt: string;
  readonly lines: readonly OrderLine[];
}

/** A line fact that arrived before the order was acknowledged, waiting to follow the acknowledgement. */
export interface HeldFact {
  readonly fact: LineFact;
  readonly cause: Cause;
}

export type OrderState =
  | { readonly status: 'UNKNOWN' }
  | {
      readonly status: 'AWAITING_DECISIONS';
      readonly order: PlacedOrder;
      readonly lines: readonly LineState[];
      readonly held: readonly HeldFact[];
    }
  | {
      readonly status: 'ACKNOWLEDGED';
      readonly order: PlacedOrder;
      readonly lines: readonly LineState[];
      readonly paymentRequested: boolean;
    };

export type KnownOrder = Exclude<OrderState, { status: 'UNKNOWN' }>;

interface Metadata {
  /** The id of the input the command comes from. */
  readonly inputId: string;
  /** The CloudEvents time of that input. */
  readonly now: string;
}

export type OrderCommand =
  | { readonly type: 'PlaceOrder'; readonly data: PlacedOrder; readonly metadata: Metadata }
  | {
      readonly type: 'CancelOrder';
      readonly data: { readonly orderId: string; readonly lineIds: readonly string[] | null; readonly reason: string | null };
      readonly metadata: Metadata;
    }
  | { readonly type: 'RecordLineFact'; readonly data: LineFact; readonly metadata: Metadata };

export type OrderEvent =
  | { readonly type: 'OrderPlaced'; readonly data: PlacedOrder & { readonly cause: Cause } }
  | {
      readonly type: 'LineCancellationRequested';
      readonly data: {
        readonly orderId: string;
        readonly lineId: string;
        readonly sku: string;
        readonly reason: string | null;
        readonly cause: Cause;
      };
    }
  /**
   * A saga fact about a line, with the customer updates it issued, in the order they are sent.
   * `updates` is absent from facts recorded before it existed: those streams issued their updates
   * as separate CustomerUpdateIssued events.
   */
  | {
      readonly type: 'LineFactRecorded';
      readonly data: { readonly orderId: string; readonly fact: LineFact; readonly cause: Cause; readonly updates?: readonly CustomerUpdate[] };
    }
  /** Recorded before line facts carried their updates; still folded, no longer decided. */
  | { readonly type: 'CustomerUpdateIssued'; readonly data: { readonly orderId: string; readonly update: CustomerUpdate } };

/** The customer updates an order event issued, in the order they are sent. */
export function updatesOf(event: OrderEvent): readonly CustomerUpdate[] {
  if (event.type === 'LineFactRecorded') return event.data.updates ?? [];
  if (event.type === 'CustomerUpdateIssued') return [event.data.update];
  return [];
}

export type OrderRejectionCode =
  | 'ORDERS.CONFLICTING_DUPLICATE'
  | 'ORDERS.UNKNOWN_ORDER'
  | 'ORDERS.UNKNOWN_LINE'
  | 'ORDERS.LINE_NOT_DECIDED';

/** A business rejection: the input is refused and nothing changes. */
export class OrderRejection extends Error {
  constructor(
    readonly code: OrderRejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'OrderRejection';
  }
}

export function initialState(): OrderState {
  return { status: 'UNKNOWN' };
}

export function orderIdOf(command: OrderCommand): string {
  return command.type === 'RecordLineFact' ? command.data.data.orderId : command.data.orderId;
}

function causeOf(command: OrderCommand): Cause {
  return { inputId: command.metadata.inputId, time: command.metadata.now };
}

function sameLines(a: readonly OrderLine[], b: readonly OrderLine[]): boolean {
  const byId = new Map(a.map((line) => [line.lineId, line]));
  return (
    a.length === b.length &&
    b.every((line) => {
      const other = byId.get(line.lineId);
      return other !== undefined && other.sku === line.sku && other.quantity === line.quantity;
    })
  );
}

// The same order sent again under another id is the same order when its content is the same;
// the time of placing is compared as an instant, so "Z" and "+00:00" spellings agree.
export function isSameOrder(a: PlacedOrder, b: PlacedOrder): boolean {
  return a.customerId === b.customerId && Date.parse(a.placedAt) === Date.parse(b.placedAt) && sameLines(a.lines, b.lines);
}

function placeOrder(command: Extract<OrderCommand, { type: 'PlaceOrder' }>, state: OrderState): OrderEvent[] {
  if (state.status === 'UNKNOWN') return [{ type: 'OrderPlaced', data: { ...command.data, cause: causeOf(command) } }];
  if (isSameOrder(state.order, command.data)) return [];
  throw new OrderRejection('ORDERS.CONFLICTING_DUPLICATE', `order ${command.data.orderId} was already placed with different content`);
}

function knownOrder(state: OrderState, orderId: string): KnownOrder {
  if (state.status === 'UNKNOWN') throw new OrderRejection('ORDERS.UNKNOWN_ORDER', `no order ${orderId}`);
  return state;
}

function cancelOrder(command: Extract<OrderCommand, { type: 'CancelOrder' }>, state: OrderState): OrderEvent[] {
  const { orderId, lineIds, reason } = command.data;
  const order = knownOrder(state, orderId);
  const known = new Set(order.lines.map((line) => line.lineId));
  const unknown = (lineIds ?? []).filter((lineId) => !known.has(lineId));
  if (unknown.length > 0) throw new OrderRejection('ORDERS.UNKNOWN_LINE', `order ${orderId} has no line ${unknown.join(', ')}`);
  const wanted = lineIds === null ? known : new Set(lineIds);
  // A line that is closed (rejected, cancelled or shipped) has nothing left to cancel, and one
  // already asked for is being cancelled by the saga.
  return order.lines
    .filter((line) => wanted.has(line.lineId) && isOpen(line) && !line.cancellationRequested)
    .map((line) => ({ type: 'LineCancellationRequested', data: { orderId, lineId: line.lineId, sku: line.sku, reason, cause: causeOf(command) } }));
}

function issued(update: CustomerUpdate | null): CustomerUpdate[] {
  return update === null ? [] : [update];
}

function updatesAfter(recorded: KnownOrder, fact: LineFact, cause: Cause): CustomerUpdate[] {
  const orderId = recorded.order.orderId;
  if (recorded.status === 'ACKNOWLEDGED') return issued(lineUpdate(fact, cause));
  if (!recorded.lines.every((line) => line.decision !== null)) return [];
  // The acknowledgement is the order's first update; what was held for it follows in arrival order.
  return [...issued(acknowledgement(orderId, recorded.lines, cause)), ...recorded.held.flatMap((held) => issued(lineUpdate(held.fact, held.cause)))];
}

function paymentAfter(state: KnownOrder, cause: Cause): CustomerUpdate[] {
  if (state.status !== 'ACKNOWLEDGED' || state.paymentRequested) return [];
  return issued(paymentRequest(state.order.orderId, state.lines, cause));
}

function recordLineFact(command: Extract<OrderCommand, { type: 'RecordLineFact' }>, state: OrderState): OrderEvent[] {
  const fact = command.data;
  const order = knownOrder(state, fact.data.orderId);
  const line = order.lines.find((candidate) => candidate.lineId === fact.data.lineId);
  if (line === undefined || line.sku !== fact.data.sku) {
    throw new OrderRejection('ORDERS.UNKNOWN_LINE', `order ${fact.data.orderId} has no line ${fact.data.lineId} of sku ${fact.data.sku}`);
  }
  // A line is decided once; a repeated decision (a replayed saga) changes nothing.
  if (fact.type === 'LineDecided' && line.decision !== null) return [];
  if (fact.type !== 'LineDecided' && line.decision === null) {
    throw new OrderRejection('ORDERS.LINE_NOT_DECIDED', `${fact.type} for line ${line.lineId} of order ${fact.data.orderId} came before its decision`);
  }
  const cause = causeOf(command);
  const recorded = recordFact(order, fact, cause);
  const updates = updatesAfter(recorded, fact, cause);
  updates.push(...paymentAfter(updates.reduce(issueUpdate, recorded), cause));
  return [{ type: 'LineFactRecorded', data: { orderId: fact.data.orderId, fact, cause, updates } }];
}

export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  switch (command.type) {
    case 'PlaceOrder':
      return placeOrder(command, state);
    case 'CancelOrder':
      return cancelOrder(command, state);
    case 'RecordLineFact':
      return recordLineFact(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`unknown order command ${JSON.stringify(unknown)}`);
    }
  }
}

function withLine(lines: readonly LineState[], lineId: string, change: (line: LineState) => LineState): LineState[] {
  return lines.map((line) => (line.lineId === lineId ? change(line) : line));
}

function recordFact(state: KnownOrder, fact: LineFact, cause: Cause): KnownOrder {
  const lines = withLine(state.lines, fact.data.lineId, (line) => applyFact(line, fact));
  if (state.status === 'ACKNOWLEDGED') return { ...state, lines };
  // Before the acknowledgement, every fact but a decision waits to be told to the customer.
  const held = fact.type === 'LineDecided' ? state.held : [...state.held, { fact, cause }];
  return { ...state, lines, held };
}

function issueUpdate(state: KnownOrder, update: CustomerUpdate): KnownOrder {
  switch (update.type) {
    case 'OrderAcknowledged':
      return { status: 'ACKNOWLEDGED', order: state.order, lines: state.lines, paymentRequested: false };
    case 'PaymentAuthorizationRequested':
      if (state.status !== 'ACKNOWLEDGED') throw new Error(`payment for order ${state.order.orderId} requested before its acknowledgement`);
      return { ...state, paymentRequested: true };
    default:
      return state;
  }
}

function placed(state: OrderState, event: OrderEvent): KnownOrder {
  if (state.status === 'UNKNOWN') throw new Error(`${event.type} for order ${event.data.orderId} before it was placed`);
  return state;
}

export function evolve(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderPlaced': {
      const { cause: _cause, ...order } = event.data;
      return { status: 'AWAITING_DECISIONS', order, lines: order.lines.map(undecidedLine), held: [] };
    }
    case 'LineCancellationRequested': {
      const order = placed(state, event);
      return { ...order, lines: withLine(order.lines, event.data.lineId, (line) => ({ ...line, cancellationRequested: true })) };
    }
    case 'LineFactRecorded':
      return (event.data.updates ?? []).reduce(issueUpdate, recordFact(placed(state, event), event.data.fact, event.data.cause));
    case 'CustomerUpdateIssued':
      return issueUpdate(placed(state, event), event.data.update);
    default: {
      const unknown: never = event;
      throw new Error(`unknown order event ${JSON.stringify(unknown)}`);
    }
  }
}
