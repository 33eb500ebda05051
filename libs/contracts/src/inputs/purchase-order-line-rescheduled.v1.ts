import { IsOptional } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsReason, IsRfc3339, IsSku } from '../field-rules';

export const PURCHASE_ORDER_LINE_RESCHEDULED = 'PurchaseOrderLineRescheduled';

export class PurchaseOrderLineRescheduledData {
  @IsEntityId()
  readonly purchaseOrderId!: string;

  @IsSku()
  readonly sku!: string;

  @IsRfc3339()
  readonly expectedAt!: string;

  @IsOptional()
  @IsReason()
  readonly reason?: string;
}

export type PurchaseOrderLineRescheduled = CloudEvent<
  typeof PURCHASE_ORDER_LINE_RESCHEDULED,
  PurchaseOrderLineRescheduledData
>;
