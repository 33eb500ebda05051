import { IsOptional } from 'class-validator';
import { IsReason, IsRfc3339, IsSku } from '../field-rules';

// Body of POST /purchase-orders/{id}/reschedule: PurchaseOrderLineRescheduled data without the id.
export class RescheduleBody {
  @IsSku()
  readonly sku!: string;

  @IsRfc3339()
  readonly expectedAt!: string;

  @IsOptional()
  @IsReason()
  readonly reason?: string;
}
