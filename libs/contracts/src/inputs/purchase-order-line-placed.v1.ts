import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsQuantity, IsRfc3339, IsSku } from '../field-rules';

export const PURCHASE_ORDER_LINE_PLACED = 'PurchaseOrderLinePlaced';

// A purchase order line is identified by (purchaseOrderId, sku).
export class PurchaseOrderLinePlacedData {
  @IsEntityId()
  readonly purchaseOrderId!: string;

  @IsSku()
  readonly sku!: string;

  @IsQuantity()
  readonly quantity!: number;

  @IsEntityId()
  readonly supplierId!: string;

  @IsRfc3339()
  readonly expectedAt!: string;
}

export type PurchaseOrderLinePlaced = CloudEvent<typeof PURCHASE_ORDER_LINE_PLACED, PurchaseOrderLinePlacedData>;
