import { IsCount, IsEntityId, IsRfc3339 } from '../field-rules';

// Body of POST /inventory/{sku}/cycle-counts: CycleCounted data without the SKU, which is in the path.
export class CycleCountBody {
  @IsEntityId()
  readonly countId!: string;

  @IsEntityId()
  readonly warehouseId!: string;

  @IsCount()
  readonly countedQuantity!: number;

  @IsRfc3339()
  readonly countedAt!: string;
}
