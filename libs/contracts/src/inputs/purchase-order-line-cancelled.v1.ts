import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsSku } from '../field-rules';

export const PURCHASE_ORDER_LINE_CANCELLED = 'PurchaseOrderLineCancelled';

export class PurchaseOrderLineCancelledData {
  @IsEntityId()
  readonly purchaseOrderId!: string;

  @IsSku()
  readonly sku!: string;
}

export type PurchaseOrderLineCancelled = CloudEvent<
  typeof PURCHASE_ORDER_LINE_CANCELLED,
  PurchaseOrderLineCancelledData
>;
