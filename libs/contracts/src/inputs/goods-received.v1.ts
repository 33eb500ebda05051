import { IsOptional } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsQuantity, IsRfc3339, IsSku } from '../field-rules';

export const GOODS_RECEIVED = 'GoodsReceived';

export class GoodsReceivedData {
  @IsEntityId()
  readonly receiptId!: string;

  @IsSku()
  readonly sku!: string;

  @IsQuantity()
  readonly quantity!: number;

  @IsEntityId()
  readonly warehouseId!: string;

  @IsRfc3339()
  readonly receivedAt!: string;

  // Present when the receipt is against a purchase order line; it then reduces that line's pipeline.
  @IsOptional()
  @IsEntityId()
  readonly purchaseOrderId?: string;
}

export type GoodsReceived = CloudEvent<typeof GOODS_RECEIVED, GoodsReceivedData>;
