import type { LimitAction } from './fulfillment-state';

export interface CommandMetadata {
  /** The CloudEvents `time` of the input being processed: the only clock the domain knows. */
  readonly now: string;
  /** The id of the input; the adapter drops inputs it has already processed. */
  readonly inputId: string;
}

interface Command<Type extends string, Data> {
  readonly type: Type;
  readonly data: Readonly<Data>;
  readonly metadata: CommandMetadata;
}

export type DefineProduct = Command<
  'DefineProduct',
  {
    name: string;
    backorderable: boolean;
    maxBackorderDays: number;
    leadTimeDays: number | null;
    onLimitExceeded: LimitAction;
  }
>;
export type DiscontinueProduct = Command<'DiscontinueProduct', Record<string, never>>;
export type PlaceLine = Command<'PlaceLine', { orderId: string; lineId: string; quantity: number; placedAt: string }>;
export type CancelLine = Command<'CancelLine', { orderId: string; lineId: string }>;
export type AddSupply = Command<'AddSupply', { purchaseOrderId: string; quantity: number; expectedAt: string }>;
export type RescheduleSupply = Command<'RescheduleSupply', { purchaseOrderId: string; expectedAt: string }>;
export type CancelSupply = Command<'CancelSupply', { purchaseOrderId: string }>;
export type ReceiveStock = Command<
  'ReceiveStock',
  { receiptId: string; quantity: number; purchaseOrderId: string | null }
>;
export type AdjustStock = Command<'AdjustStock', { countId: string; delta: number }>;
export type RecordShipment = Command<
  'RecordShipment',
  { shipmentId: string; orderId: string; lineId: string; quantity: number }
>;
export type Tick = Command<'Tick', Record<string, never>>;
export type ExpediteLine = Command<'ExpediteLine', { orderId: string; lineId: string; reason: string }>;
export type HoldLine = Command<'HoldLine', { orderId: string; lineId: string; reason: string }>;

export type FulfillmentCommand =
  | DefineProduct
  | DiscontinueProduct
  | PlaceLine
  | CancelLine
  | AddSupply
  | RescheduleSupply
  | CancelSupply
  | ReceiveStock
  | AdjustStock
  | RecordShipment
  | Tick
  | ExpediteLine
  | HoldLine;
