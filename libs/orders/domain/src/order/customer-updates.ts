import { isSettled, type LineFact, type LineState } from './line-facts';
import type { CancellationReason, EtaChangeCause, EtaConfidence, LineStatus, RejectionReason } from './vocabulary';

/** The input that caused something, and its time: the "now" of everything it causes. */
export interface Cause {
  readonly inputId: string;
  readonly time: string;
}

interface LineRef {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
}

export interface AcknowledgedLine {
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly status: LineStatus;
  readonly allocatedQuantity: number;
  readonly backorderedQuantity: number;
  readonly rejectedQuantity: number;
  readonly eta: string | null;
  readonly etaConfidence: EtaConfidence | null;
  readonly rejectionReason: RejectionReason | null;
}

export type CustomerUpdateBody =
  | { readonly type: 'OrderAcknowledged'; readonly data: { readonly orderId: string; readonly lines: readonly AcknowledgedLine[] } }
  | {
      readonly type: 'OrderLineEtaChanged';
      readonly data: LineRef & {
        readonly previousEta: string | null;
        readonly eta: string | null;
        readonly etaConfidence: EtaConfidence | null;
        readonly cause: EtaChangeCause;
      };
    }
  | {
      readonly type: 'OrderLineAllocated';
      readonly data: LineRef & { readonly quantity: number; readonly allocatedQuantity: number; readonly remainingQuantity: number };
    }
  | {
      readonly type: 'OrderLineAllocationRevoked';
      readonly data: LineRef & {
        readonly quantity: number;
        readonly allocatedQuantity: number;
        readonly remainingQuantity: number;
        readonly eta: string | null;
      };
    }
  | { readonly type: 'OrderLineBackorderAtRisk'; readonly data: LineRef & { readonly eta: string | null; readonly deadline: string } }
  | {
      readonly type: 'OrderLineCancelled';
      readonly data: LineRef & { readonly quantity: number; readonly releasedQuantity: number; readonly reason: CancellationReason };
    }
  | {
      readonly type: 'PaymentAuthorizationRequested';
      readonly data: {
        readonly orderId: string;
        readonly lines: readonly { readonly lineId: string; readonly sku: string; readonly quantity: number }[];
      };
    }
  | { readonly type: 'OrderLineShipped'; readonly data: LineRef & { readonly shipmentId: string; readonly quantity: number } };

/**
 * A message to the customer. `idParts` name it deterministically (the adapter hashes them into
 * the CloudEvents id), so a replay re-creates the same id; `cause` is the input it follows from.
 */
export type CustomerUpdate = CustomerUpdateBody & { readonly idParts: readonly string[]; readonly cause: Cause };

function update(body: CustomerUpdateBody, cause: Cause): CustomerUpdate {
  return { ...body, idParts: [cause.inputId, body.type], cause };
}

export function acknowledgement(orderId: string, lines: readonly LineState[], cause: Cause): CustomerUpdate {
  const acknowledged = lines.map((line): AcknowledgedLine => {
    if (line.decision === null) throw new Error(`order ${orderId} is acknowledged before line ${line.lineId} was decided`);
    const decision = line.decision;
    return {
      lineId: line.lineId,
      sku: line.sku,
      quantity: decision.quantity,
      status: decision.status,
      allocatedQuantity: decision.allocatedQuantity,
      backorderedQuantity: decision.backorderedQuantity,
      rejectedQuantity: decision.rejectedQuantity,
      eta: decision.eta,
      etaConfidence: decision.etaConfidence,
      rejectionReason: decision.rejectionReason,
    };
  });
  // One acknowledgement per order, whatever input completes it: its id names the order alone.
  return { type: 'OrderAcknowledged', data: { orderId, lines: acknowledged }, idParts: [orderId, 'OrderAcknowledged'], cause };
}

/** The customer update a saga fact maps to one to one; a decision is reported by the acknowledgement. */
export function lineUpdate(fact: LineFact, cause: Cause): CustomerUpdate | null {
  switch (fact.type) {
    case 'LineDecided':
      return null;
    case 'LineAllocated': {
      const { orderId, lineId, sku, quantity, allocatedQuantity, remainingQuantity } = fact.data;
      return update({ type: 'OrderLineAllocated', data: { orderId, lineId, sku, quantity, allocatedQuantity, remainingQuantity } }, cause);
    }
    case 'LineAllocationRevoked': {
      const { orderId, lineId, sku, quantity, allocatedQuantity, remainingQuantity, eta } = fact.data;
      return update({ type: 'OrderLineAllocationRevoked', data: { orderId, lineId, sku, quantity, allocatedQuantity, remainingQuantity, eta } }, cause);
    }
    case 'LineEtaChanged': {
      const { orderId, lineId, sku, previousEta, eta, etaConfidence, cause: etaCause } = fact.data;
      return update({ type: 'OrderLineEtaChanged', data: { orderId, lineId, sku, previousEta, eta, etaConfidence, cause: etaCause } }, cause);
    }
    case 'LineBackorderAtRisk': {
      const { orderId, lineId, sku, eta, deadline } = fact.data;
      return update({ type: 'OrderLineBackorderAtRisk', data: { orderId, lineId, sku, eta, deadline } }, cause);
    }
    case 'LineCancelled': {
      const { orderId, lineId, sku, quantity, releasedQuantity, reason } = fact.data;
      return update({ type: 'OrderLineCancelled', data: { orderId, lineId, sku, quantity, releasedQuantity, reason } }, cause);
    }
    case 'LineShipped': {
      const { orderId, lineId, sku, shipmentId, quantity } = fact.data;
      return update({ type: 'OrderLineShipped', data: { orderId, lineId, sku, shipmentId, quantity } }, cause);
    }
    default: {
      const unknown: never = fact;
      throw new Error(`unknown line fact ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Rule 9: once every line is fully allocated or shipped (rejected and cancelled units aside), the
 * customer is charged for the allocated and shipped units. An order with nothing to charge for
 * (every line rejected or cancelled) requests nothing.
 */
export function paymentRequest(orderId: string, lines: readonly LineState[], cause: Cause): CustomerUpdate | null {
  if (!lines.every(isSettled)) return null;
  const charged = lines
    .map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.allocatedQuantity + line.shippedQuantity }))
    .filter((line) => line.quantity > 0);
  if (charged.length === 0) return null;
  return update({ type: 'PaymentAuthorizationRequested', data: { orderId, lines: charged } }, cause);
}
