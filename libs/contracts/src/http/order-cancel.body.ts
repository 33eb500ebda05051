import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsOptional } from 'class-validator';
import { IsEntityId, IsReason } from '../field-rules';
import { ORDER_LINES_MAX } from '../inputs/order-placed.v1';

// Body of POST /orders/{orderId}/cancel: OrderCancelled data without the order id.
export class OrderCancelBody {
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
