import type {
  AddSupply,
  AdjustStock,
  CancelLine,
  CancelSupply,
  DefineProduct,
  DiscontinueProduct,
  ExpediteLine,
  HoldLine,
  PlaceLine,
  ReceiveStock,
  RecordShipment,
  RescheduleSupply,
  Tick,
} from '../commands';

/** Command builders for specs: the first argument is always the input's time ("now"). */
let inputCount = 0;

function metadata(now: string) {
  inputCount += 1;
  return { now, inputId: `input-${inputCount}` };
}

export const DEFAULT_POLICY: DefineProduct['data'] = {
  name: 'Walnut desk',
  backorderable: true,
  maxBackorderDays: 30,
  leadTimeDays: 14,
  onLimitExceeded: 'CANCEL',
};

export function defineProduct(now: string, policy: Partial<DefineProduct['data']> = {}): DefineProduct {
  return { type: 'DefineProduct', data: { ...DEFAULT_POLICY, ...policy }, metadata: metadata(now) };
}

export function discontinueProduct(now: string): DiscontinueProduct {
  return { type: 'DiscontinueProduct', data: {}, metadata: metadata(now) };
}

export function placeLine(now: string, orderId: string, quantity: number, placedAt = now, lineId = 'l1'): PlaceLine {
  return { type: 'PlaceLine', data: { orderId, lineId, quantity, placedAt }, metadata: metadata(now) };
}

export function cancelLine(now: string, orderId: string, lineId = 'l1'): CancelLine {
  return { type: 'CancelLine', data: { orderId, lineId }, metadata: metadata(now) };
}

export function addSupply(now: string, purchaseOrderId: string, quantity: number, expectedAt: string): AddSupply {
  return { type: 'AddSupply', data: { purchaseOrderId, quantity, expectedAt }, metadata: metadata(now) };
}

export function rescheduleSupply(now: string, purchaseOrderId: string, expectedAt: string): RescheduleSupply {
  return { type: 'RescheduleSupply', data: { purchaseOrderId, expectedAt }, metadata: metadata(now) };
}

export function cancelSupply(now: string, purchaseOrderId: string): CancelSupply {
  return { type: 'CancelSupply', data: { purchaseOrderId }, metadata: metadata(now) };
}

export function receiveStock(now: string, receiptId: string, quantity: number, purchaseOrderId: string | null = null): ReceiveStock {
  return { type: 'ReceiveStock', data: { receiptId, quantity, purchaseOrderId }, metadata: metadata(now) };
}

export function adjustStock(now: string, countId: string, delta: number): AdjustStock {
  return { type: 'AdjustStock', data: { countId, delta }, metadata: metadata(now) };
}

export function recordShipment(now: string, shipmentId: string, orderId: string, quantity: number, lineId = 'l1'): RecordShipment {
  return { type: 'RecordShipment', data: { shipmentId, orderId, lineId, quantity }, metadata: metadata(now) };
}

export function tick(now: string): Tick {
  return { type: 'Tick', data: {}, metadata: metadata(now) };
}

export function expediteLine(now: string, orderId: string, lineId = 'l1', reason = 'VIP customer'): ExpediteLine {
  return { type: 'ExpediteLine', data: { orderId, lineId, reason }, metadata: metadata(now) };
}

export function holdLine(now: string, orderId: string, lineId = 'l1', reason = 'customer agreed to wait'): HoldLine {
  return { type: 'HoldLine', data: { orderId, lineId, reason }, metadata: metadata(now) };
}
