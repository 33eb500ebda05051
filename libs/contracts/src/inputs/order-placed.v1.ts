import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, ValidateNested } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsQuantity, IsRfc3339, IsSku } from '../field-rules';

export const ORDER_PLACED = 'OrderPlaced';
export const ORDER_LINES_MAX = 1_000;

export class OrderPlacedLineData {
  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  @IsQuantity()
  readonly quantity!: number;
}

export class OrderPlacedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly customerId!: string;

  // The acceptance time of every line of the order: it fixes FIFO position and the backorder deadline.
  @IsRfc3339()
  readonly placedAt!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LINES_MAX)
  @ArrayUnique((line: { lineId?: unknown } | null) => line?.lineId, { message: 'lines must have unique lineIds' })
  @ValidateNested({ each: true })
  @Type(() => OrderPlacedLineData)
  readonly lines!: readonly OrderPlacedLineData[];
}

export type OrderPlaced = CloudEvent<typeof ORDER_PLACED, OrderPlacedData>;
