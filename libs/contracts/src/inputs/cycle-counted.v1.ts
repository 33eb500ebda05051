import type { CloudEvent } from '../cloud-event';
import { IsCount, IsEntityId, IsRfc3339, IsSku } from '../field-rules';

export const CYCLE_COUNTED = 'CycleCounted';

export class CycleCountedData {
  @IsEntityId()
  readonly countId!: string;

  @IsSku()
  readonly sku!: string;

  @IsEntityId()
  readonly warehouseId!: string;

  // Zero is a legitimate count: the shelf is empty.
  @IsCount()
  readonly countedQuantity!: number;

  @IsRfc3339()
  readonly countedAt!: string;
}

export type CycleCounted = CloudEvent<typeof CYCLE_COUNTED, CycleCountedData>;
