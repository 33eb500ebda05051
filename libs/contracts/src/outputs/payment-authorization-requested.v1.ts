import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, ValidateNested } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsQuantity, IsSku } from '../field-rules';
import { ORDER_LINES_MAX } from '../inputs/order-placed.v1';

export const PAYMENT_AUTHORIZATION_REQUESTED = 'PaymentAuthorizationRequested';

export class PaymentAuthorizationLineData {
  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  // Units to charge for: allocated or shipped, never rejected or cancelled ones.
  @IsQuantity()
  readonly quantity!: number;
}

export class PaymentAuthorizationRequestedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LINES_MAX)
  @ArrayUnique((line: { lineId?: unknown } | null) => line?.lineId, { message: 'lines must have unique lineIds' })
  @ValidateNested({ each: true })
  @Type(() => PaymentAuthorizationLineData)
  readonly lines!: readonly PaymentAuthorizationLineData[];
}

export type PaymentAuthorizationRequested = CloudEvent<
  typeof PAYMENT_AUTHORIZATION_REQUESTED,
  PaymentAuthorizationRequestedData
>;
