import type { CloudEvent } from '../cloud-event';
import { IsCalendarDate, IsCount, IsEntityId, IsQuantity, IsSku, Nullable } from '../field-rules';

export const ORDER_LINE_ALLOCATION_REVOKED = 'OrderLineAllocationRevoked';

export class OrderLineAllocationRevokedData {
  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  // Units taken back by this event; they return to the queue at the line's original position.
  @IsQuantity()
  readonly quantity!: number;

  @IsCount()
  readonly allocatedQuantity!: number;

  @IsQuantity()
  readonly remainingQuantity!: number;

  // The line's new ETA; no separate OrderLineEtaChanged is sent for it. Null without a commitment.
  @Nullable()
  @IsCalendarDate()
  readonly eta!: string | null;
}

export type OrderLineAllocationRevoked = CloudEvent<
  typeof ORDER_LINE_ALLOCATION_REVOKED,
  OrderLineAllocationRevokedData
>;
