import {
  cloudEvent,
  deterministicId,
  LINE_ALLOCATED,
  LINE_ALLOCATION_REVOKED,
  LINE_BACKORDER_AT_RISK,
  LINE_CANCELLED,
  LINE_DECIDED,
  LINE_ETA_CHANGED,
  LINE_SHIPPED,
  SKU_LEDGER_CHANGED,
  TOPICS,
} from '@restock/contracts';
import type { OutboxMessage } from '@restock/event-store';
import type { FulfillmentEvent, LineEtaChanged, StockLedger } from '@restock/fulfillment-domain';

export const SOURCE = 'restock/fulfillment';

/** A domain event with the input that caused it. */
export interface CausedEvent {
  /** The id the domain event is stored under; the public fact's id derives from it. */
  readonly eventId: string;
  readonly sku: string;
  readonly event: FulfillmentEvent;
  readonly inputId: string;
  readonly time: string;
}

function dayOf(instant: string | null): string | null {
  return instant === null ? null : instant.slice(0, 10);
}

function fact(caused: CausedEvent, type: string, data: Record<string, unknown>): OutboxMessage {
  return {
    topic: TOPICS.fulfillmentEvents,
    key: caused.sku,
    value: cloudEvent({
      id: deterministicId(caused.eventId, type),
      source: SOURCE,
      type,
      time: caused.time,
      data: { sku: caused.sku, ...data },
      causationid: caused.inputId,
    }),
  };
}

/** The public fact for one domain event; null for events that stay inside the saga. */
function toFact(caused: CausedEvent): OutboxMessage | null {
  const { event } = caused;
  switch (event.type) {
    case 'LineAccepted': {
      const { orderId, lineId, quantity, status, allocatedQuantity, backorderedQuantity, rejectedQuantity, rejectionReason, eta, etaConfidence, acceptedAt, deadline } = event.data;
      return fact(caused, LINE_DECIDED, {
        orderId,
        lineId,
        quantity,
        status,
        allocatedQuantity,
        backorderedQuantity,
        rejectedQuantity,
        rejectionReason,
        eta,
        etaConfidence,
        acceptedAt,
        deadline: dayOf(deadline),
      });
    }
    case 'StockAllocated': {
      const { orderId, lineId, quantity, allocatedQuantity, remainingQuantity } = event.data;
      return fact(caused, LINE_ALLOCATED, { orderId, lineId, quantity, allocatedQuantity, remainingQuantity });
    }
    case 'AllocationRevoked': {
      const { orderId, lineId, quantity, allocatedQuantity, remainingQuantity, eta, etaConfidence } = event.data;
      return fact(caused, LINE_ALLOCATION_REVOKED, { orderId, lineId, quantity, allocatedQuantity, remainingQuantity, eta, etaConfidence });
    }
    case 'LineEtaChanged': {
      const { orderId, lineId, previousEta, eta, etaConfidence, cause } = event.data;
      return fact(caused, LINE_ETA_CHANGED, { orderId, lineId, previousEta, eta, etaConfidence, cause });
    }
    case 'BackorderAtRisk': {
      const { orderId, lineId, eta, deadline } = event.data;
      return fact(caused, LINE_BACKORDER_AT_RISK, { orderId, lineId, eta, deadline: dayOf(deadline) });
    }
    case 'LineCancelled': {
      const { orderId, lineId, quantity, releasedQuantity, reason } = event.data;
      return fact(caused, LINE_CANCELLED, { orderId, lineId, quantity, releasedQuantity, reason });
    }
    case 'LineShipped': {
      const { orderId, lineId, shipmentId, quantity } = event.data;
      return fact(caused, LINE_SHIPPED, { orderId, lineId, shipmentId, quantity });
    }
    case 'ProductDefined':
    case 'ProductDiscontinued':
    case 'StockShipped':
    case 'ShipmentDiscrepancyRecorded':
    case 'StockReceived':
    case 'StockAdjusted':
    case 'SupplyAdded':
    case 'SupplyRescheduled':
    case 'SupplyCancelled':
    case 'LineExpedited':
    case 'LineHeld':
    case 'EtasReviewed':
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`unknown fulfillment event ${JSON.stringify(unknown)}`);
    }
  }
}

function lineOf(event: LineEtaChanged): string {
  return `${event.data.orderId}\u001f${event.data.lineId}`;
}

/**
 * Within one batch only the net ETA change of a line is published: its first previous ETA and its
 * last ETA, at the place of its last change, and nothing when the two are equal.
 */
export function netEtaChanges(events: readonly CausedEvent[]): CausedEvent[] {
  const first = new Map<string, LineEtaChanged>();
  const lastIndex = new Map<string, number>();
  events.forEach((caused, index) => {
    if (caused.event.type !== 'LineEtaChanged') return;
    const key = `${caused.sku}\u001f${lineOf(caused.event)}`;
    if (!first.has(key)) first.set(key, caused.event);
    lastIndex.set(key, index);
  });
  // A loop rather than flatMap: a reschedule has an entry per waiting line, and flatMap would
  // allocate an array for each.
  const net: CausedEvent[] = [];
  events.forEach((caused, index) => {
    if (caused.event.type !== 'LineEtaChanged') {
      net.push(caused);
      return;
    }
    const key = `${caused.sku}\u001f${lineOf(caused.event)}`;
    if (lastIndex.get(key) !== index) return;
    const start = first.get(key)!;
    // A line changed once in the batch (every line of a reschedule) keeps its event, uncopied.
    const merged: LineEtaChanged =
      start === caused.event
        ? caused.event
        : { type: 'LineEtaChanged', data: { ...caused.event.data, previousEta: start.data.previousEta, previousEtaConfidence: start.data.previousEtaConfidence } };
    const unchanged = merged.data.previousEta === merged.data.eta && merged.data.previousEtaConfidence === merged.data.etaConfidence;
    if (!unchanged) net.push(merged === caused.event ? caused : { ...caused, event: merged });
  });
  return net;
}

/**
 * The public facts of a batch's events, built one at a time as they are taken: a batch that
 * re-dates 100,000 lines never holds 100,000 CloudEvents, only the outbox statement being written.
 */
export function* factsIn(events: readonly CausedEvent[]): Generator<OutboxMessage> {
  for (const caused of netEtaChanges(events)) {
    const message = toFact(caused);
    if (message) yield message;
  }
}

export function factsOf(events: readonly CausedEvent[]): OutboxMessage[] {
  return [...factsIn(events)];
}

export function ledgerFact(sku: string, ledger: StockLedger, oldestBackorderAcceptedAt: string | null, inputId: string, time: string): OutboxMessage {
  return {
    topic: TOPICS.fulfillmentEvents,
    key: sku,
    value: cloudEvent({
      id: deterministicId(inputId, SKU_LEDGER_CHANGED, sku),
      source: SOURCE,
      type: SKU_LEDGER_CHANGED,
      time,
      data: {
        sku,
        onHand: ledger.onHand,
        allocated: ledger.allocated,
        atp: ledger.atp,
        queueDepth: ledger.queueDepth,
        oldestBackorderAcceptedAt,
        changedAt: time,
      },
      causationid: inputId,
    }),
  };
}
