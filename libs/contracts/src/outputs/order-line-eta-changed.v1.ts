import { IsIn } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsCalendarDate, IsEntityId, IsSku, Nullable } from '../field-rules';
import { ETA_CHANGE_CAUSES, ETA_CONFIDENCES, type EtaChangeCause, type EtaConfidence } from '../vocabulary';

export const ORDER_LINE_ETA_CHANGED = 'OrderLineEtaChanged';

export class OrderLineEtaChangedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  @Nullable()
  @IsCalendarDate()
  readonly previousEta!: string | null;

  // Null when no restock commitment covers the line any more.
  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;

  @Nullable()
  @IsIn(ETA_CONFIDENCES)
  readonly etaConfidence!: EtaConfidence | null;

  @IsIn(ETA_CHANGE_CAUSES)
  readonly cause!: EtaChangeCause;
}

export type OrderLineEtaChanged = CloudEvent<typeof ORDER_LINE_ETA_CHANGED, OrderLineEtaChangedData>;
