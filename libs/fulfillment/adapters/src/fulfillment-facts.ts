import {
  AcceptedDemandData,
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

/** What one input decided for one SKU; a batch keeps these in input order until they are stored. */
export interface DecidedInput {
  readonly sku: string;
  readonly inputId: string;
  readonly time: string;
  readonly events: readonly FulfillmentEvent[];
}

/** A domain event with the input that caused it and its place in the batch. */
export interface CausedEvent {
  /** The id the domain event is stored under; the public fact's id derives from it. */
  readonly eventId: string;
  readonly sku: string;
  readonly event: FulfillmentEvent;
  readonly inputId: string;
  readonly time: string;
  /** Its index among the events of the batch, counted in input order. */
  readonly position: number;
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

function lineOf(sku: string, data: { readonly orderId: string; readonly lineId: string }): string {
  return `${sku}\u001f${data.orderId}\u001f${data.lineId}`;
}

/**
 * Within one batch only the net change of a run of a line's ETA changes is published: the run's
 * first previous ETA and its last ETA, at the place of its last change, and nothing when the two
 * are equal. A fact that tells the customer the line's ETA itself (a revocation, an at-risk
 * notice) ends a run: the next change starts from the ETA that fact told, as the customer knows
 * it. A decision already emits at most one ETA change per line, so only lines that several inputs
 * of the batch re-dated need the lookup: `runAt` names the run of each of their changes by its
 * position in the batch, `firstChange` holds a run's first change and `lastPosition` where its
 * last is. A reschedule re-dating 100,000 lines in a batch of its own builds no map of them.
 */
export interface EtaNetting {
  readonly runAt: ReadonlyMap<number, string>;
  readonly firstChange: ReadonlyMap<string, LineEtaChanged>;
  readonly lastPosition: ReadonlyMap<string, number>;
}

export function etaNettingOf(inputs: readonly DecidedInput[]): EtaNetting {
  const redatingInputs = new Map<string, number>();
  for (const input of inputs) {
    if (input.events.some((event) => event.type === 'LineEtaChanged')) redatingInputs.set(input.sku, (redatingInputs.get(input.sku) ?? 0) + 1);
  }
  const runAt = new Map<number, string>();
  const firstChange = new Map<string, LineEtaChanged>();
  const lastPosition = new Map<string, number>();
  // Per line, how many facts telling its ETA came so far: the number of its current run.
  const told = new Map<string, number>();
  let position = 0;
  for (const input of inputs) {
    if ((redatingInputs.get(input.sku) ?? 0) > 1) {
      input.events.forEach((event, index) => {
        if (event.type === 'AllocationRevoked' || event.type === 'BackorderAtRisk') {
          const line = lineOf(input.sku, event.data);
          told.set(line, (told.get(line) ?? 0) + 1);
        }
        if (event.type !== 'LineEtaChanged') return;
        const line = lineOf(input.sku, event.data);
        const run = `${line}\u001f${told.get(line) ?? 0}`;
        if (!firstChange.has(run)) firstChange.set(run, event);
        lastPosition.set(run, position + index);
        runAt.set(position + index, run);
      });
    }
    position += input.events.length;
  }
  return { runAt, firstChange, lastPosition };
}

/** The change a line's fact reports: null where a later change of its run reports it, or where the run nets to nothing. */
function netEtaChange(caused: CausedEvent, change: LineEtaChanged, netting: EtaNetting): LineEtaChanged | null {
  let net = change;
  const run = netting.runAt.get(caused.position);
  if (run !== undefined) {
    if (netting.lastPosition.get(run) !== caused.position) return null;
    const first = netting.firstChange.get(run)!;
    // A line changed once in the batch (every line of a reschedule) keeps its event, uncopied.
    if (first !== change) {
      net = { type: 'LineEtaChanged', data: { ...change.data, previousEta: first.data.previousEta, previousEtaConfidence: first.data.previousEtaConfidence } };
    }
  }
  const unchanged = net.data.previousEta === net.data.eta && net.data.previousEtaConfidence === net.data.etaConfidence;
  return unchanged ? null : net;
}

/**
 * The public facts of a batch's events, in their order, built one at a time as they are taken: a
 * batch that re-dates 100,000 lines never holds 100,000 CloudEvents, only the ones being written.
 */
export function* factsIn(events: Iterable<CausedEvent>, netting: EtaNetting): Generator<OutboxMessage> {
  for (const caused of events) {
    const { event } = caused;
    const net = event.type === 'LineEtaChanged' ? netEtaChange(caused, event, netting) : event;
    const message = net === null ? null : toFact(net === event ? caused : { ...caused, event: net });
    if (message) yield message;
  }
}

/**
 * The units each SKU's lines accepted in a batch (allocated at once or queued; rejected units are
 * no demand), by UTC day of acceptance, days in order. A SKU that accepted nothing is absent.
 */
export function acceptedDemandBySku(decided: readonly DecidedInput[]): Map<string, AcceptedDemandData[]> {
  const bySku = new Map<string, Map<string, number>>();
  for (const input of decided) {
    for (const event of input.events) {
      if (event.type !== 'LineAccepted') continue;
      const quantity = event.data.allocatedQuantity + event.data.backorderedQuantity;
      if (quantity === 0) continue;
      const days = bySku.get(input.sku) ?? new Map<string, number>();
      // An RFC 3339 time may carry an offset: the day is the UTC one.
      const day = new Date(event.data.acceptedAt).toISOString().slice(0, 10);
      days.set(day, (days.get(day) ?? 0) + quantity);
      bySku.set(input.sku, days);
    }
  }
  return new Map([...bySku].map(([sku, days]) => [sku, [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, quantity]) => ({ day, quantity }))]));
}

export function ledgerFact(
  sku: string,
  ledger: StockLedger,
  oldestBackorderAcceptedAt: string | null,
  accepted: readonly AcceptedDemandData[],
  inputId: string,
  time: string,
): OutboxMessage {
  return {
    topic: TOPICS.fulfillmentLedger,
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
        backorderedQuantity: ledger.backorderedQuantity,
        accepted,
        oldestBackorderAcceptedAt,
        changedAt: time,
      },
      causationid: inputId,
    }),
  };
}
