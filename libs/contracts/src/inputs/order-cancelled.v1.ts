import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsOptional } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsReason } from '../field-rules';
import { ORDER_LINES_MAX } from './order-placed.v1';

export const ORDER_CANCELLED = 'OrderCancelled';

export class OrderCancelledData {
  @IsEntityId()
  readonly orderId!: string;

  // Absent means the whole order; an empty list would be ambiguous, so it is rejected.
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LINES_MAX)
  @ArrayUnique()
  @IsEntityId({ each: true })
  readonly lineIds?: readonly string[];

  @IsOptional()
  @IsReason()
  readonly reason?: string;
}

export type OrderCancelled = CloudEvent<typeof ORDER_CANCELLED, OrderCancelledData>;
