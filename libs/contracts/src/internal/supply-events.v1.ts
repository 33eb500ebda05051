import { IsBoolean } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsCount, IsEntityId, IsQuantity, IsReason, IsRfc3339, IsSku, Nullable } from '../field-rules';

// What the supplier-receipts service publishes on restock.supply.events.v1, keyed by SKU, so the
// fulfillment saga and inventory see every change of a SKU's supply pipeline in order.
export const SUPPLY_EXPECTED = 'SupplyExpected';
export const SUPPLY_RESCHEDULED = 'SupplyRescheduled';
export const SUPPLY_CANCELLED = 'SupplyCancelled';
export const SUPPLY_RECEIVED = 'SupplyReceived';

// A purchase-order line was placed: its units join the SKU's pipeline.
export class SupplyExpectedData {
  @IsEntityId()
  readonly purchaseOrderId!: string;

  @IsSku()
  readonly sku!: string;

  @IsEntityId()
  readonly supplierId!: string;

  @IsQuantity()
  readonly orderedQuantity!: number;

  @IsCount()
  readonly remainingQuantity!: number;

  @IsRfc3339()
  readonly expectedAt!: string;
}

export class SupplyRescheduledData {
  @IsEntityId()
  readonly purchaseOrderId!: string;

  @IsSku()
  readonly sku!: string;

  @IsRfc3339()
  readonly expectedAt!: string;

  @IsRfc3339()
  readonly previousExpectedAt!: string;

  // Null when the supplier gave no reason.
  @Nullable()
  @IsReason()
  readonly reason!: string | null;

  @IsCount()
  readonly remainingQuantity!: number;
}

// The line's remaining units leave the pipeline.
export class SupplyCancelledData {
  @IsEntityId()
  readonly purchaseOrderId!: string;

  @IsSku()
  readonly sku!: string;

  @IsCount()
  readonly cancelledQuantity!: number;
}

// One receipt carries both changes it causes, the new stock and the smaller pipeline, so the saga
// applies them together and no ETA moves in between.
export class SupplyReceivedData {
  @IsEntityId()
  readonly receiptId!: string;

  @IsSku()
  readonly sku!: string;

  @IsEntityId()
  readonly warehouseId!: string;

  @IsQuantity()
  readonly quantity!: number;

  @IsRfc3339()
  readonly receivedAt!: string;

  // The purchase order the warehouse named, if any; null for a receipt without one.
  @Nullable()
  @IsEntityId()
  readonly purchaseOrderId!: string | null;

  // Units taken off that line's remaining quantity: 0 for an unplanned receipt.
  @IsCount()
  readonly pipelineReduction!: number;

  // True when no open line of a known purchase order matched: the units are stock all the same.
  @IsBoolean()
  readonly unplanned!: boolean;
}

export type SupplyExpected = CloudEvent<typeof SUPPLY_EXPECTED, SupplyExpectedData>;
export type SupplyRescheduled = CloudEvent<typeof SUPPLY_RESCHEDULED, SupplyRescheduledData>;
export type SupplyCancelled = CloudEvent<typeof SUPPLY_CANCELLED, SupplyCancelledData>;
export type SupplyReceived = CloudEvent<typeof SUPPLY_RECEIVED, SupplyReceivedData>;
export type SupplyEvent = SupplyExpected | SupplyRescheduled | SupplyCancelled | SupplyReceived;
