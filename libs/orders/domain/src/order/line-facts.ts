import type { CancellationReason, EtaChangeCause, EtaConfidence, LineStatus, RejectionReason } from './vocabulary';

interface LineRef {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
}

/** The saga's decision on a new line: quantity = allocated + backordered + rejected. */
export interface LineDecision extends LineRef {
  readonly quantity: number;
  readonly status: LineStatus;
  readonly allocatedQuantity: number;
  readonly backorderedQuantity: number;
  readonly rejectedQuantity: number;
  readonly rejectionReason: RejectionReason | null;
  readonly eta: string | null;
  readonly etaConfidence: EtaConfidence | null;
  readonly acceptedAt: string;
  readonly deadline: string | null;
}

/** What the fulfillment saga reports about one order line, in the order it happened. */
export type LineFact =
  | { readonly type: 'LineDecided'; readonly data: LineDecision }
  | {
      readonly type: 'LineAllocated';
      readonly data: LineRef & { readonly quantity: number; readonly allocatedQuantity: number; readonly remainingQuantity: number };
    }
  | {
      readonly type: 'LineAllocationRevoked';
      readonly data: LineRef & {
        readonly quantity: number;
        readonly allocatedQuantity: number;
        readonly remainingQuantity: number;
        readonly eta: string | null;
        readonly etaConfidence: EtaConfidence | null;
      };
    }
  | {
      readonly type: 'LineEtaChanged';
      readonly data: LineRef & {
        readonly previousEta: string | null;
        readonly eta: string | null;
        readonly etaConfidence: EtaConfidence | null;
        readonly cause: EtaChangeCause;
      };
    }
  | { readonly type: 'LineBackorderAtRisk'; readonly data: LineRef & { readonly eta: string | null; readonly deadline: string } }
  | {
      readonly type: 'LineCancelled';
      readonly data: LineRef & { readonly quantity: number; readonly releasedQuantity: number; readonly reason: CancellationReason };
    }
  | { readonly type: 'LineShipped'; readonly data: LineRef & { readonly shipmentId: string; readonly quantity: number } };

/** One order line as the orders service knows it: every accepted unit is in exactly one bucket. */
export interface LineState {
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
  /** Null until the saga decided the line; the acknowledgement reports this decision. */
  readonly decision: LineDecision | null;
  readonly allocatedQuantity: number;
  readonly backorderedQuantity: number;
  readonly rejectedQuantity: number;
  readonly shippedQuantity: number;
  readonly cancelledQuantity: number;
  readonly eta: string | null;
  readonly etaConfidence: EtaConfidence | null;
  readonly cancellationRequested: boolean;
}

export function undecidedLine(line: { readonly lineId: string; readonly sku: string; readonly quantity: number }): LineState {
  return {
    lineId: line.lineId,
    sku: line.sku,
    quantity: line.quantity,
    decision: null,
    allocatedQuantity: 0,
    backorderedQuantity: 0,
    rejectedQuantity: 0,
    shippedQuantity: 0,
    cancelledQuantity: 0,
    eta: null,
    etaConfidence: null,
    cancellationRequested: false,
  };
}

/** A line is open while some of it may still be allocated or shipped: undecided, allocated or waiting. */
export function isOpen(line: LineState): boolean {
  return line.decision === null || line.allocatedQuantity + line.backorderedQuantity > 0;
}

/** Nothing of the line waits for stock any more; what is not rejected or cancelled is allocated or shipped. */
export function isSettled(line: LineState): boolean {
  return line.decision !== null && line.backorderedQuantity === 0;
}

// Waiting units have an ETA; once none wait, the line has no ETA to report.
function withoutWaitingEta(line: LineState): LineState {
  return line.backorderedQuantity > 0 ? line : { ...line, eta: null, etaConfidence: null };
}

function shipped(line: LineState, quantity: number): LineState {
  // The warehouse's word is a fact: a shipment consumes the allocation first, and units shipped
  // beyond it leave the queue, as the saga records them, so no unit is counted twice.
  const fromAllocation = Math.min(line.allocatedQuantity, quantity);
  const fromQueue = Math.min(line.backorderedQuantity, quantity - fromAllocation);
  return withoutWaitingEta({
    ...line,
    allocatedQuantity: line.allocatedQuantity - fromAllocation,
    backorderedQuantity: line.backorderedQuantity - fromQueue,
    shippedQuantity: line.shippedQuantity + quantity,
  });
}

function cancelled(line: LineState, quantity: number, releasedQuantity: number): LineState {
  const released = Math.min(line.allocatedQuantity, releasedQuantity);
  return withoutWaitingEta({
    ...line,
    allocatedQuantity: line.allocatedQuantity - released,
    backorderedQuantity: Math.max(0, line.backorderedQuantity - (quantity - releasedQuantity)),
    cancelledQuantity: line.cancelledQuantity + quantity,
  });
}

/** The line after a saga fact; the saga's totals win over anything derived here. */
export function applyFact(line: LineState, fact: LineFact): LineState {
  switch (fact.type) {
    case 'LineDecided':
      return {
        ...line,
        decision: fact.data,
        allocatedQuantity: fact.data.allocatedQuantity,
        backorderedQuantity: fact.data.backorderedQuantity,
        rejectedQuantity: fact.data.rejectedQuantity,
        eta: fact.data.eta,
        etaConfidence: fact.data.etaConfidence,
      };
    case 'LineAllocated':
      return withoutWaitingEta({ ...line, allocatedQuantity: fact.data.allocatedQuantity, backorderedQuantity: fact.data.remainingQuantity });
    case 'LineAllocationRevoked':
      return {
        ...line,
        allocatedQuantity: fact.data.allocatedQuantity,
        backorderedQuantity: fact.data.remainingQuantity,
        eta: fact.data.eta,
        etaConfidence: fact.data.etaConfidence,
      };
    case 'LineEtaChanged':
      return { ...line, eta: fact.data.eta, etaConfidence: fact.data.etaConfidence };
    case 'LineBackorderAtRisk':
      return line;
    case 'LineCancelled':
      return cancelled(line, fact.data.quantity, fact.data.releasedQuantity);
    case 'LineShipped':
      return shipped(line, fact.data.quantity);
    default: {
      const unknown: never = fact;
      throw new Error(`unknown line fact ${JSON.stringify(unknown)}`);
    }
  }
}
