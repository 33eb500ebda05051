import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, ValidateNested } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsCalendarDate, IsCount, IsEntityId, IsQuantity, IsSku, Nullable } from '../field-rules';
import { ORDER_LINES_MAX } from '../inputs/order-placed.v1';
import {
  ETA_CONFIDENCES,
  LINE_STATUSES,
  REJECTION_REASONS,
  type EtaConfidence,
  type LineStatus,
  type RejectionReason,
} from '../vocabulary';

export const ORDER_ACKNOWLEDGED = 'OrderAcknowledged';

// Each line as decided at acceptance: quantity = allocated + backordered + rejected.
export class OrderAcknowledgedLineData {
  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  @IsQuantity()
  readonly quantity!: number;

  @IsIn(LINE_STATUSES)
  readonly status!: LineStatus;

  @IsCount()
  readonly allocatedQuantity!: number;

  @IsCount()
  readonly backorderedQuantity!: number;

  @IsCount()
  readonly rejectedQuantity!: number;

  // Null when nothing of the line waits for stock.
  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;

  @Nullable()
  @IsIn(ETA_CONFIDENCES)
  readonly etaConfidence!: EtaConfidence | null;

  // Null unless some quantity of the line was rejected.
  @Nullable()
  @IsIn(REJECTION_REASONS)
  readonly rejectionReason!: RejectionReason | null;
}

export class OrderAcknowledgedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LINES_MAX)
  @ArrayUnique((line: { lineId?: unknown } | null) => line?.lineId, { message: 'lines must have unique lineIds' })
  @ValidateNested({ each: true })
  @Type(() => OrderAcknowledgedLineData)
  readonly lines!: readonly OrderAcknowledgedLineData[];
}

export type OrderAcknowledged = CloudEvent<typeof ORDER_ACKNOWLEDGED, OrderAcknowledgedData>;
