import type { CloudEvent } from '../cloud-event';
import { IsCount, IsEntityId, IsQuantity, IsSku } from '../field-rules';

export const ORDER_LINE_ALLOCATED = 'OrderLineAllocated';

export class OrderLineAllocatedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  // Units allocated by this event.
  @IsQuantity()
  readonly quantity!: number;

  // Units allocated to the line in total, this event included.
  @IsQuantity()
  readonly allocatedQuantity!: number;

  // Units of the line still waiting in the backorder queue.
  @IsCount()
  readonly remainingQuantity!: number;
}

export type OrderLineAllocated = CloudEvent<typeof ORDER_LINE_ALLOCATED, OrderLineAllocatedData>;
