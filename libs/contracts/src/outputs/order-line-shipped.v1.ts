import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsQuantity, IsSku } from '../field-rules';

export const ORDER_LINE_SHIPPED = 'OrderLineShipped';

export class OrderLineShippedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  @IsEntityId()
  readonly shipmentId!: string;

  @IsQuantity()
  readonly quantity!: number;
}

export type OrderLineShipped = CloudEvent<typeof ORDER_LINE_SHIPPED, OrderLineShippedData>;
