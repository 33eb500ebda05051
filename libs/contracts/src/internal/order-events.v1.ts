import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsQuantity, IsReason, IsRfc3339, IsSku, Nullable } from '../field-rules';

export const ORDER_LINE_PLACED = 'OrderLinePlaced';
export const ORDER_LINE_CANCELLATION_REQUESTED = 'OrderLineCancellationRequested';

// One line of an accepted order, re-keyed by SKU so the fulfillment saga meets it in the SKU's
// partition. The event's `time` is the time of the OrderPlaced that caused it.
export class OrderLinePlacedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  @IsQuantity()
  readonly quantity!: number;

  // The order's placedAt: the line's acceptance time, which fixes its FIFO position and deadline.
  @IsRfc3339()
  readonly placedAt!: string;

  @IsEntityId()
  readonly customerId!: string;
}

// A customer asked to cancel a line that the orders service still considers open; the saga
// decides what is actually cancelled (shipped units cannot be).
export class OrderLineCancellationRequestedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  // The customer's free-text reason, null when none was given.
  @Nullable()
  @IsReason()
  readonly reason!: string | null;
}

export type OrderLinePlaced = CloudEvent<typeof ORDER_LINE_PLACED, OrderLinePlacedData>;
export type OrderLineCancellationRequested = CloudEvent<
  typeof ORDER_LINE_CANCELLATION_REQUESTED,
  OrderLineCancellationRequestedData
>;
export type OrderEvent = OrderLinePlaced | OrderLineCancellationRequested;
