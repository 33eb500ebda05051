import { IsInt, Max, Min } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsCount, IsEntityId, IsQuantity, IsSku, Nullable, QUANTITY_MAX } from '../field-rules';

export const REPLENISHMENT_SUGGESTED = 'ReplenishmentSuggested';

export class ReplenishmentSuggestedData {
  @IsSku()
  readonly sku!: string;

  // Units suggested for the next purchase order.
  @IsQuantity()
  readonly quantity!: number;

  @IsCount()
  readonly reorderPoint!: number;

  @IsCount()
  readonly safetyStock!: number;

  // On hand + open pipeline − allocated − queued; negative when backorders exceed everything else.
  @IsInt()
  @Min(-QUANTITY_MAX)
  @Max(QUANTITY_MAX)
  readonly inventoryPosition!: number;

  // The supplier of the SKU's most recent purchase order line; null when none is known yet.
  @Nullable()
  @IsEntityId()
  readonly supplierId!: string | null;
}

export type ReplenishmentSuggested = CloudEvent<typeof REPLENISHMENT_SUGGESTED, ReplenishmentSuggestedData>;
