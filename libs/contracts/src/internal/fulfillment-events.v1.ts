import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, Max, Min, ValidateNested } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import {
  IsCalendarDate,
  IsCount,
  IsEntityId,
  IsQuantity,
  IsRfc3339,
  IsSku,
  Nullable,
  QUANTITY_MAX,
} from '../field-rules';
import {
  CANCELLATION_REASONS,
  ETA_CHANGE_CAUSES,
  ETA_CONFIDENCES,
  LINE_STATUSES,
  REJECTION_REASONS,
  type CancellationReason,
  type EtaChangeCause,
  type EtaConfidence,
  type LineStatus,
  type RejectionReason,
} from '../vocabulary';

// Facts the fulfillment saga publishes per order line, keyed by SKU. Each carries the causationid
// of the input that caused it; the orders service turns them into customer updates.
export const LINE_DECIDED = 'LineDecided';
export const LINE_ALLOCATED = 'LineAllocated';
export const LINE_ALLOCATION_REVOKED = 'LineAllocationRevoked';
export const LINE_ETA_CHANGED = 'LineEtaChanged';
export const LINE_BACKORDER_AT_RISK = 'LineBackorderAtRisk';
export const LINE_CANCELLED = 'LineCancelled';
export const LINE_SHIPPED = 'LineShipped';
export const SKU_LEDGER_CHANGED = 'SkuLedgerChanged';

export const FULFILLMENT_LINE_FACT_TYPES = [
  LINE_DECIDED,
  LINE_ALLOCATED,
  LINE_ALLOCATION_REVOKED,
  LINE_ETA_CHANGED,
  LINE_BACKORDER_AT_RISK,
  LINE_CANCELLED,
  LINE_SHIPPED,
] as const;

// Every line fact names its line, so the orders service can route it to the order's stream.
export class FulfillmentLineData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;
}

// The decision on a new line: quantity = allocated + backordered + rejected.
export class LineDecidedData extends FulfillmentLineData {
  @IsQuantity()
  readonly quantity!: number;

  @IsIn(LINE_STATUSES)
  readonly status!: LineStatus;

  @IsCount()
  readonly allocatedQuantity!: number;

  @IsCount()
  readonly backorderedQuantity!: number;

  @IsCount()
  readonly rejectedQuantity!: number;

  // Null unless some quantity of the line was rejected.
  @Nullable()
  @IsIn(REJECTION_REASONS)
  readonly rejectionReason!: RejectionReason | null;

  // Null when nothing of the line waits for stock.
  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;

  @Nullable()
  @IsIn(ETA_CONFIDENCES)
  readonly etaConfidence!: EtaConfidence | null;

  // The order's placedAt.
  @IsRfc3339()
  readonly acceptedAt!: string;

  // The UTC date of acceptedAt + maxBackorderDays; null when nothing of the line waits.
  @Nullable()
  @IsCalendarDate()
  readonly deadline!: string | null;
}

export class LineAllocatedData extends FulfillmentLineData {
  // Units allocated by this fact.
  @IsQuantity()
  readonly quantity!: number;

  // Units allocated to the line in total, this fact included.
  @IsQuantity()
  readonly allocatedQuantity!: number;

  // Units of the line still waiting in the backorder queue.
  @IsCount()
  readonly remainingQuantity!: number;
}

export class LineAllocationRevokedData extends FulfillmentLineData {
  // Units taken back; they return to the queue at the line's original position.
  @IsQuantity()
  readonly quantity!: number;

  @IsCount()
  readonly allocatedQuantity!: number;

  @IsQuantity()
  readonly remainingQuantity!: number;

  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;

  @Nullable()
  @IsIn(ETA_CONFIDENCES)
  readonly etaConfidence!: EtaConfidence | null;
}

export class LineEtaChangedData extends FulfillmentLineData {
  @Nullable()
  @IsCalendarDate()
  readonly previousEta!: string | null;

  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;

  @Nullable()
  @IsIn(ETA_CONFIDENCES)
  readonly etaConfidence!: EtaConfidence | null;

  @IsIn(ETA_CHANGE_CAUSES)
  readonly cause!: EtaChangeCause;
}

export class LineBackorderAtRiskData extends FulfillmentLineData {
  // Null when no restock commitment covers the line at all.
  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;

  @IsCalendarDate()
  readonly deadline!: string;
}

export class LineCancelledData extends FulfillmentLineData {
  // Units cancelled: the waiting units plus the released allocated units.
  @IsQuantity()
  readonly quantity!: number;

  // Allocated units freed by the cancellation.
  @IsCount()
  readonly releasedQuantity!: number;

  @IsIn(CANCELLATION_REASONS)
  readonly reason!: CancellationReason;
}

export class LineShippedData extends FulfillmentLineData {
  @IsEntityId()
  readonly shipmentId!: string;

  // Units of the line shipped by this shipment.
  @IsQuantity()
  readonly quantity!: number;
}

/** The most days one ledger change spreads its accepted units over (the inputs of one batch). */
export const ACCEPTED_DAYS_MAX = 400;

/** Units the saga accepted for a SKU (allocated at once or queued) on one day of acceptance. */
export class AcceptedDemandData {
  @IsCalendarDate()
  readonly day!: string;

  @IsQuantity()
  readonly quantity!: number;
}

// The SKU's stock ledger after a batch that changed it, on its own topic
// (restock.fulfillment.ledger.v1, keyed by SKU): inventory keeps its read model and plans from these
// alone, and the orders service, which reads the line facts, never fetches them.
export class SkuLedgerChangedData {
  @IsSku()
  readonly sku!: string;

  // Below 0 only when a warehouse ships what the records say is not there.
  @IsInt()
  @Min(-QUANTITY_MAX)
  @Max(QUANTITY_MAX)
  readonly onHand!: number;

  @IsCount()
  readonly allocated!: number;

  // On hand − allocated, so it is negative whenever on hand is.
  @IsInt()
  @Min(-QUANTITY_MAX)
  @Max(QUANTITY_MAX)
  readonly atp!: number;

  // Lines waiting in the backorder queue.
  @IsCount()
  readonly queueDepth!: number;

  // Units those lines still wait for.
  @IsCount()
  readonly backorderedQuantity!: number;

  // A delta, not a total: the units accepted by the inputs behind this change (since the SKU's
  // previous change), by the UTC day of the lines' acceptance (the order's placedAt). Rejected units
  // are no demand. Replenishment adds them up into its demand history.
  @IsArray()
  @ArrayMaxSize(ACCEPTED_DAYS_MAX)
  @ArrayUnique((entry: { day?: unknown } | null) => entry?.day, { message: 'accepted must have one entry per day' })
  @ValidateNested({ each: true })
  @Type(() => AcceptedDemandData)
  readonly accepted!: readonly AcceptedDemandData[];

  @Nullable()
  @IsRfc3339()
  readonly oldestBackorderAcceptedAt!: string | null;

  @IsRfc3339()
  readonly changedAt!: string;
}

export type LineDecided = CloudEvent<typeof LINE_DECIDED, LineDecidedData>;
export type LineAllocated = CloudEvent<typeof LINE_ALLOCATED, LineAllocatedData>;
export type LineAllocationRevoked = CloudEvent<typeof LINE_ALLOCATION_REVOKED, LineAllocationRevokedData>;
export type LineEtaChanged = CloudEvent<typeof LINE_ETA_CHANGED, LineEtaChangedData>;
export type LineBackorderAtRisk = CloudEvent<typeof LINE_BACKORDER_AT_RISK, LineBackorderAtRiskData>;
export type LineCancelled = CloudEvent<typeof LINE_CANCELLED, LineCancelledData>;
export type LineShipped = CloudEvent<typeof LINE_SHIPPED, LineShippedData>;
export type SkuLedgerChanged = CloudEvent<typeof SKU_LEDGER_CHANGED, SkuLedgerChangedData>;

export type FulfillmentLineFact =
  | LineDecided
  | LineAllocated
  | LineAllocationRevoked
  | LineEtaChanged
  | LineBackorderAtRisk
  | LineCancelled
  | LineShipped;
export type FulfillmentEvent = FulfillmentLineFact | SkuLedgerChanged;
