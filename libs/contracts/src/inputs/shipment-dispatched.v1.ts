import type { CloudEvent } from '../cloud-event';
import { IsEntityId, IsQuantity, IsRfc3339, IsSku } from '../field-rules';

export const SHIPMENT_DISPATCHED = 'ShipmentDispatched';

export class ShipmentDispatchedData {
  @IsEntityId()
  readonly shipmentId!: string;

  @IsEntityId()
  readonly orderId!: string;

  @IsEntityId()
  readonly lineId!: string;

  @IsSku()
  readonly sku!: string;

  @IsEntityId()
  readonly warehouseId!: string;

  @IsQuantity()
  readonly quantity!: number;

  @IsRfc3339()
  readonly dispatchedAt!: string;
}

export type ShipmentDispatched = CloudEvent<typeof SHIPMENT_DISPATCHED, ShipmentDispatchedData>;
