import { IsInt } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsCount, IsEntityId, IsQuantity, IsRfc3339, IsSku } from '../field-rules';

// What the inventory service publishes on restock.inventory.events.v1, keyed by SKU: the physical
// stock movements, in the order the warehouse reported them.
export const STOCK_RECEIVED = 'StockReceived';
export const STOCK_SHIPPED = 'StockShipped';
export const STOCK_COUNTED = 'StockCounted';

export class StockReceivedData {
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
}

export class StockShippedData {
  @IsEntityId()
  readonly shipmentId!: string;

  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  @IsEntityId()
  readonly warehouseId!: string;

  @IsQuantity()
  readonly quantity!: number;

  @IsRfc3339()
  readonly dispatchedAt!: string;
}

// A cycle count as a correction: the warehouse's on hand went from previousOnHand to
// countedQuantity, a change of delta (negative for phantom stock lost, positive for stock found).
export class StockCountedData {
  @IsEntityId()
  readonly countId!: string;

  @IsSku()
  readonly sku!: string;

  @IsEntityId()
  readonly warehouseId!: string;

  // May be negative: a warehouse can ship what the records say is not there.
  @IsInt()
  readonly previousOnHand!: number;

  @IsCount()
  readonly countedQuantity!: number;

  @IsInt()
  readonly delta!: number;

  @IsRfc3339()
  readonly countedAt!: string;
}

export type StockReceived = CloudEvent<typeof STOCK_RECEIVED, StockReceivedData>;
export type StockShipped = CloudEvent<typeof STOCK_SHIPPED, StockShippedData>;
export type StockCounted = CloudEvent<typeof STOCK_COUNTED, StockCountedData>;
export type InventoryEvent = StockReceived | StockShipped | StockCounted;
