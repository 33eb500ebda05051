import type { CloudEvent } from '../cloud-event';
import { IsCalendarDate, IsEntityId, IsSku, Nullable } from '../field-rules';

export const ORDER_LINE_BACKORDER_AT_RISK = 'OrderLineBackorderAtRisk';

export class OrderLineBackorderAtRiskData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  // Null when no restock commitment covers the line at all, which is also past any deadline.
  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;

  // The UTC date of placedAt + maxBackorderDays.
  @IsCalendarDate()
  readonly deadline!: string;
}

export type OrderLineBackorderAtRisk = CloudEvent<typeof ORDER_LINE_BACKORDER_AT_RISK, OrderLineBackorderAtRiskData>;
