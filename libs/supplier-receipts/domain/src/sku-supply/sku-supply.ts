/**
 * The supply of one SKU: its purchase-order lines (identified by purchase order and SKU) and the
 * goods received against them. A receipt is stock whatever it names; it shrinks a line's
 * remaining quantity only when it names an open line of a known purchase order.
 */

export interface Metadata {
  /** The CloudEvents `time` of the input: the only clock the domain knows. */
  readonly now: string;
}

interface LineFacts {
  readonly purchaseOrderId: string;
  readonly sku: string;
  readonly supplierId: string;
  readonly orderedQuantity: number;
  /** The date the line was placed with, kept to recognise a repeated placement. */
  readonly placedExpectedAt: string;
  readonly expectedAt: string;
  readonly receivedQuantity: number;
  /** Never below 0: units received beyond the order are stock, not negative remaining. */
  readonly remainingQuantity: number;
}

export type PurchaseOrderLine =
  | (LineFacts & { readonly status: 'OPEN' })
  | (LineFacts & { readonly status: 'CANCELLED'; readonly cancelledAt: string });

export interface RecordedReceipt {
  readonly receiptId: string;
  readonly sku: string;
  readonly warehouseId: string;
  readonly quantity: number;
  readonly receivedAt: string;
  readonly purchaseOrderId: string | null;
}

/**
 * What the decider knows of one SKU. The adapter may load only the lines and receipts a batch of
 * commands names: every decision reads nothing else.
 */
export interface SupplyState {
  readonly lines: ReadonlyMap<string, PurchaseOrderLine>;
  readonly receipts: ReadonlyMap<string, RecordedReceipt>;
}

export type PlacePurchaseOrderLine = {
  readonly type: 'PlacePurchaseOrderLine';
  readonly data: { readonly purchaseOrderId: string; readonly sku: string; readonly quantity: number; readonly supplierId: string; readonly expectedAt: string };
  readonly metadata: Metadata;
};
export type ReschedulePurchaseOrderLine = {
  readonly type: 'ReschedulePurchaseOrderLine';
  readonly data: { readonly purchaseOrderId: string; readonly sku: string; readonly expectedAt: string; readonly reason: string | null };
  readonly metadata: Metadata;
};
export type CancelPurchaseOrderLine = {
  readonly type: 'CancelPurchaseOrderLine';
  readonly data: { readonly purchaseOrderId: string; readonly sku: string };
  readonly metadata: Metadata;
};
export type RecordGoodsReceipt = {
  readonly type: 'RecordGoodsReceipt';
  readonly data: RecordedReceipt;
  readonly metadata: Metadata;
};

export type SupplyCommand = PlacePurchaseOrderLine | ReschedulePurchaseOrderLine | CancelPurchaseOrderLine | RecordGoodsReceipt;

export type SupplyExpected = {
  readonly type: 'SupplyExpected';
  readonly data: {
    readonly purchaseOrderId: string;
    readonly sku: string;
    readonly supplierId: string;
    readonly orderedQuantity: number;
    readonly expectedAt: string;
    readonly placedAt: string;
  };
};
export type SupplyRescheduled = {
  readonly type: 'SupplyRescheduled';
  readonly data: {
    readonly purchaseOrderId: string;
    readonly sku: string;
    readonly expectedAt: string;
    readonly previousExpectedAt: string;
    readonly reason: string | null;
    readonly remainingQuantity: number;
    readonly rescheduledAt: string;
  };
};
export type SupplyCancelled = {
  readonly type: 'SupplyCancelled';
  readonly data: { readonly purchaseOrderId: string; readonly sku: string; readonly cancelledQuantity: number; readonly cancelledAt: string };
};
export type SupplyReceived = {
  readonly type: 'SupplyReceived';
  readonly data: RecordedReceipt & {
    /** Units taken off the named line's remaining quantity; 0 when the receipt is unplanned. */
    readonly pipelineReduction: number;
    readonly unplanned: boolean;
  };
};

export type SupplyEvent = SupplyExpected | SupplyRescheduled | SupplyCancelled | SupplyReceived;

export type SupplyRejectionCode = 'SUPPLY.CONFLICTING_DUPLICATE' | 'SUPPLY.UNKNOWN_PURCHASE_ORDER_LINE' | 'SUPPLY.PURCHASE_ORDER_LINE_CANCELLED';

/** A business rejection: the command is refused and nothing changes. The message starts with the code. */
export class SupplyRejection extends Error {
  constructor(
    readonly code: SupplyRejectionCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'SupplyRejection';
  }
}

export function initialState(): SupplyState {
  return { lines: new Map(), receipts: new Map() };
}

function assertQuantity(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
}

/** Two timestamps name the same instant even when written differently (offsets, fractions). */
function sameInstant(a: string, b: string): boolean {
  const ms = Date.parse(a);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${a}`);
  return ms === Date.parse(b);
}

function lineLabel(data: { readonly purchaseOrderId: string; readonly sku: string }): string {
  return `purchase order ${data.purchaseOrderId} line ${data.sku}`;
}

function placeLine(command: PlacePurchaseOrderLine, state: SupplyState): SupplyEvent[] {
  const { purchaseOrderId, sku, quantity, supplierId, expectedAt } = command.data;
  assertQuantity(quantity, 'quantity');
  const line = state.lines.get(purchaseOrderId);
  if (line === undefined) {
    return [{ type: 'SupplyExpected', data: { purchaseOrderId, sku, supplierId, orderedQuantity: quantity, expectedAt, placedAt: command.metadata.now } }];
  }
  // The same placement delivered again (under another input id) is the line we already have.
  const samePlacement = line.orderedQuantity === quantity && line.supplierId === supplierId && sameInstant(line.placedExpectedAt, expectedAt);
  if (samePlacement) return [];
  throw new SupplyRejection('SUPPLY.CONFLICTING_DUPLICATE', `${lineLabel(command.data)} was already placed with different data`);
}

function openLine(data: { readonly purchaseOrderId: string; readonly sku: string }, state: SupplyState): Extract<PurchaseOrderLine, { status: 'OPEN' }> {
  const line = state.lines.get(data.purchaseOrderId);
  if (line === undefined) throw new SupplyRejection('SUPPLY.UNKNOWN_PURCHASE_ORDER_LINE', `${lineLabel(data)} is unknown`);
  if (line.status === 'CANCELLED') throw new SupplyRejection('SUPPLY.PURCHASE_ORDER_LINE_CANCELLED', `${lineLabel(data)} is cancelled`);
  return line;
}

function rescheduleLine(command: ReschedulePurchaseOrderLine, state: SupplyState): SupplyEvent[] {
  const { purchaseOrderId, sku, expectedAt, reason } = command.data;
  const line = openLine(command.data, state);
  // A reschedule to the date the line already has changes nothing, so it is not history either.
  if (sameInstant(line.expectedAt, expectedAt)) return [];
  return [
    {
      type: 'SupplyRescheduled',
      data: { purchaseOrderId, sku, expectedAt, previousExpectedAt: line.expectedAt, reason, remainingQuantity: line.remainingQuantity, rescheduledAt: command.metadata.now },
    },
  ];
}

function cancelLine(command: CancelPurchaseOrderLine, state: SupplyState): SupplyEvent[] {
  const line = state.lines.get(command.data.purchaseOrderId);
  if (line === undefined) throw new SupplyRejection('SUPPLY.UNKNOWN_PURCHASE_ORDER_LINE', `${lineLabel(command.data)} is unknown`);
  if (line.status === 'CANCELLED') return [];
  return [
    {
      type: 'SupplyCancelled',
      data: { purchaseOrderId: line.purchaseOrderId, sku: line.sku, cancelledQuantity: line.remainingQuantity, cancelledAt: command.metadata.now },
    },
  ];
}

function sameReceipt(a: RecordedReceipt, b: RecordedReceipt): boolean {
  return (
    a.sku === b.sku &&
    a.warehouseId === b.warehouseId &&
    a.quantity === b.quantity &&
    a.purchaseOrderId === b.purchaseOrderId &&
    sameInstant(a.receivedAt, b.receivedAt)
  );
}

function recordReceipt(command: RecordGoodsReceipt, state: SupplyState): SupplyEvent[] {
  const receipt = command.data;
  assertQuantity(receipt.quantity, 'quantity');
  const recorded = state.receipts.get(receipt.receiptId);
  if (recorded !== undefined) {
    if (sameReceipt(recorded, receipt)) return [];
    throw new SupplyRejection('SUPPLY.CONFLICTING_DUPLICATE', `receipt ${receipt.receiptId} was already recorded with different data`);
  }
  const line = receipt.purchaseOrderId === null ? undefined : state.lines.get(receipt.purchaseOrderId);
  if (line === undefined || line.status === 'CANCELLED') {
    return [{ type: 'SupplyReceived', data: { ...receipt, pipelineReduction: 0, unplanned: true } }];
  }
  const pipelineReduction = Math.min(receipt.quantity, line.remainingQuantity);
  return [{ type: 'SupplyReceived', data: { ...receipt, pipelineReduction, unplanned: false } }];
}

export function decide(command: SupplyCommand, state: SupplyState): SupplyEvent[] {
  switch (command.type) {
    case 'PlacePurchaseOrderLine':
      return placeLine(command, state);
    case 'ReschedulePurchaseOrderLine':
      return rescheduleLine(command, state);
    case 'CancelPurchaseOrderLine':
      return cancelLine(command, state);
    case 'RecordGoodsReceipt':
      return recordReceipt(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

function withLine(state: SupplyState, line: PurchaseOrderLine): SupplyState {
  return { ...state, lines: new Map(state.lines).set(line.purchaseOrderId, line) };
}

function existingLine(state: SupplyState, purchaseOrderId: string): PurchaseOrderLine {
  const line = state.lines.get(purchaseOrderId);
  if (line === undefined) throw new Error(`event for purchase order ${purchaseOrderId}, whose line was never placed`);
  return line;
}

function evolveReceipt(state: SupplyState, event: SupplyReceived): SupplyState {
  const { pipelineReduction, unplanned, ...receipt } = event.data;
  const recorded: SupplyState = { ...state, receipts: new Map(state.receipts).set(receipt.receiptId, receipt) };
  if (unplanned || receipt.purchaseOrderId === null) return recorded;
  const line = existingLine(state, receipt.purchaseOrderId);
  return withLine(recorded, {
    ...line,
    receivedQuantity: line.receivedQuantity + receipt.quantity,
    remainingQuantity: line.remainingQuantity - pipelineReduction,
  });
}

export function evolve(state: SupplyState, event: SupplyEvent): SupplyState {
  switch (event.type) {
    case 'SupplyExpected': {
      const { purchaseOrderId, sku, supplierId, orderedQuantity, expectedAt } = event.data;
      return withLine(state, {
        status: 'OPEN',
        purchaseOrderId,
        sku,
        supplierId,
        orderedQuantity,
        placedExpectedAt: expectedAt,
        expectedAt,
        receivedQuantity: 0,
        remainingQuantity: orderedQuantity,
      });
    }
    case 'SupplyRescheduled':
      return withLine(state, { ...existingLine(state, event.data.purchaseOrderId), expectedAt: event.data.expectedAt });
    case 'SupplyCancelled':
      // The cancelled units leave the pipeline; the line keeps what was ordered and received.
      return withLine(state, {
        ...existingLine(state, event.data.purchaseOrderId),
        status: 'CANCELLED',
        remainingQuantity: 0,
        cancelledAt: event.data.cancelledAt,
      });
    case 'SupplyReceived':
      return evolveReceipt(state, event);
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}
