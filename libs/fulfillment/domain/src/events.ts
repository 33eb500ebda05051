import type { EtaConfidence, LimitAction } from './fulfillment-state';

interface DomainEvent<Type extends string, Data> {
  readonly type: Type;
  readonly data: Readonly<Data>;
}

/** 'YYYY-MM-DD' (UTC). */
export type Day = string;
/** RFC 3339 instant. */
export type Instant = string;

export type LineStatus = 'ALLOCATED' | 'PARTIALLY_ALLOCATED' | 'BACKORDERED' | 'REJECTED';
export type RejectionReason = 'DISCONTINUED' | 'UNKNOWN_SKU' | 'OUT_OF_STOCK' | 'ETA_BEYOND_LIMIT';
export type EtaChangeCause =
  | 'SUPPLY_ADDED'
  | 'SUPPLY_RESCHEDULED'
  | 'SUPPLY_CANCELLED'
  | 'QUEUE_MOVED'
  | 'STOCK_CORRECTION'
  | 'ESTIMATE_EXPIRED'
  | 'POLICY_CHANGED'
  | 'EXPEDITED';
export type CancellationReason = 'CUSTOMER' | 'BACKORDER_EXPIRED' | 'DISCONTINUED';
export type DiscrepancyReason = 'BEYOND_ALLOCATION' | 'UNKNOWN_LINE';

export type ProductDefined = DomainEvent<
  'ProductDefined',
  {
    name: string;
    backorderable: boolean;
    maxBackorderDays: number;
    leadTimeDays: number | null;
    onLimitExceeded: LimitAction;
    definedAt: Instant;
  }
>;
export type ProductDiscontinued = DomainEvent<'ProductDiscontinued', { discontinuedAt: Instant }>;

/**
 * The decision on a new line, including a full rejection (then nothing is kept for the line).
 * `deadline` is null only when the SKU is unknown, because there is no limit to apply.
 */
export type LineAccepted = DomainEvent<
  'LineAccepted',
  {
    orderId: string;
    lineId: string;
    quantity: number;
    allocatedQuantity: number;
    backorderedQuantity: number;
    rejectedQuantity: number;
    status: LineStatus;
    rejectionReason: RejectionReason | null;
    eta: Day | null;
    etaConfidence: EtaConfidence | null;
    /** The order's placedAt: a line's acceptance time, from which its lead time and deadline run. */
    acceptedAt: Instant;
    deadline: Instant | null;
    /** When the line was decided ("now"). */
    decidedAt: Instant;
  }
>;
export type StockAllocated = DomainEvent<
  'StockAllocated',
  {
    orderId: string;
    lineId: string;
    quantity: number;
    allocatedQuantity: number;
    remainingQuantity: number;
    allocatedAt: Instant;
  }
>;
export type AllocationRevoked = DomainEvent<
  'AllocationRevoked',
  {
    orderId: string;
    lineId: string;
    quantity: number;
    allocatedQuantity: number;
    remainingQuantity: number;
    eta: Day | null;
    etaConfidence: EtaConfidence | null;
    revokedAt: Instant;
  }
>;
export type LineEtaChanged = DomainEvent<
  'LineEtaChanged',
  {
    orderId: string;
    lineId: string;
    previousEta: Day | null;
    previousEtaConfidence: EtaConfidence | null;
    eta: Day | null;
    etaConfidence: EtaConfidence | null;
    cause: EtaChangeCause;
    changedAt: Instant;
  }
>;
export type BackorderAtRisk = DomainEvent<
  'BackorderAtRisk',
  {
    orderId: string;
    lineId: string;
    eta: Day | null;
    etaConfidence: EtaConfidence | null;
    deadline: Instant;
    flaggedAt: Instant;
  }
>;
export type LineCancelled = DomainEvent<
  'LineCancelled',
  {
    orderId: string;
    lineId: string;
    /** Units cancelled: the released allocated units plus the waiting units cancelled. */
    quantity: number;
    releasedQuantity: number;
    reason: CancellationReason;
    cancelledAt: Instant;
  }
>;
/** On hand leaves the building: the warehouse's word is a fact, whatever the records say. */
export type StockShipped = DomainEvent<
  'StockShipped',
  { shipmentId: string; orderId: string; lineId: string; quantity: number; shippedAt: Instant }
>;
/**
 * What a shipment did to its line: its allocation is consumed first, then units still waiting
 * (the customer has them, so they no longer wait). `quantity` is what the warehouse shipped.
 */
export type LineShipped = DomainEvent<
  'LineShipped',
  {
    orderId: string;
    lineId: string;
    shipmentId: string;
    quantity: number;
    allocatedUnitsShipped: number;
    waitingUnitsShipped: number;
    allocatedQuantity: number;
    remainingQuantity: number;
    shippedQuantity: number;
    shippedAt: Instant;
  }
>;
export type ShipmentDiscrepancyRecorded = DomainEvent<
  'ShipmentDiscrepancyRecorded',
  {
    shipmentId: string;
    orderId: string;
    lineId: string;
    /** Units shipped that were not allocated to the line. */
    quantity: number;
    reason: DiscrepancyReason;
    recordedAt: Instant;
  }
>;
export type StockReceived = DomainEvent<
  'StockReceived',
  {
    receiptId: string;
    quantity: number;
    purchaseOrderId: string | null;
    /** Units taken off the purchase order's remaining pipeline quantity (never below 0). */
    pipelineQuantity: number;
    receivedAt: Instant;
  }
>;
export type StockAdjusted = DomainEvent<'StockAdjusted', { countId: string; delta: number; adjustedAt: Instant }>;
export type SupplyAdded = DomainEvent<
  'SupplyAdded',
  { purchaseOrderId: string; quantity: number; expectedAt: Instant; addedAt: Instant }
>;
export type SupplyRescheduled = DomainEvent<
  'SupplyRescheduled',
  { purchaseOrderId: string; previousExpectedAt: Instant; expectedAt: Instant; rescheduledAt: Instant }
>;
export type SupplyCancelled = DomainEvent<
  'SupplyCancelled',
  { purchaseOrderId: string; cancelledQuantity: number; cancelledAt: Instant }
>;
export type LineExpedited = DomainEvent<
  'LineExpedited',
  { orderId: string; lineId: string; reason: string; expeditedAt: Instant }
>;
export type LineHeld = DomainEvent<'LineHeld', { orderId: string; lineId: string; reason: string; heldAt: Instant }>;
/**
 * ETAs were re-projected for a new calendar day, so estimates that passed moved on. It marks the
 * day so later inputs of that day need not walk the queue again for the passage of time.
 */
export type EtasReviewed = DomainEvent<'EtasReviewed', { reviewedOn: Day }>;

export type FulfillmentEvent =
  | ProductDefined
  | ProductDiscontinued
  | LineAccepted
  | StockAllocated
  | AllocationRevoked
  | LineEtaChanged
  | BackorderAtRisk
  | LineCancelled
  | StockShipped
  | LineShipped
  | ShipmentDiscrepancyRecorded
  | StockReceived
  | StockAdjusted
  | SupplyAdded
  | SupplyRescheduled
  | SupplyCancelled
  | LineExpedited
  | LineHeld
  | EtasReviewed;
