import { IsIn } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsCount, IsEntityId, IsQuantity, IsSku } from '../field-rules';
import { CANCELLATION_REASONS, type CancellationReason } from '../vocabulary';

export const ORDER_LINE_CANCELLED = 'OrderLineCancelled';

export class OrderLineCancelledData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  // Units cancelled: the waiting units plus the released allocated units.
  @IsQuantity()
  readonly quantity!: number;

  // Allocated units freed by the cancellation; they flow to the queue head at once.
  @IsCount()
  readonly releasedQuantity!: number;

  @IsIn(CANCELLATION_REASONS)
  readonly reason!: CancellationReason;
}

export type OrderLineCancelled = CloudEvent<typeof ORDER_LINE_CANCELLED, OrderLineCancelledData>;
