import type { FulfillmentCommand, FulfillmentEvent, FulfillmentState } from '@restock/fulfillment-domain';
import { evolve, initialState } from '@restock/fulfillment-domain';

export const HOT_SKU = 'HOT-1';
export const PURCHASE_ORDER = 'PO-HOT';
/** Commands per saga transaction, and the most cancellations the decider is measured on. */
export const BATCH_COMMANDS = 500;
/** Every input of the benchmark happens on one day, so no ETA expires between them. */
export const NOW = '2026-12-01T10:00:00Z';
const EXPECTED_AT = '2026-12-05T00:00:00Z';
const SLIPPED_TO = ['2026-12-09T00:00:00Z', '2026-12-12T00:00:00Z', '2026-12-15T00:00:00Z'];

let inputs = 0;
function metadata() {
  inputs += 1;
  return { now: NOW, inputId: `bench-input-${process.pid}-${inputs}` };
}

export function defineProduct(): FulfillmentCommand {
  return { type: 'DefineProduct', data: { name: 'Hot', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }, metadata: metadata() };
}

export function addSupply(quantity: number): FulfillmentCommand {
  return { type: 'AddSupply', data: { purchaseOrderId: PURCHASE_ORDER, quantity, expectedAt: EXPECTED_AT }, metadata: metadata() };
}

export function placeLine(orderId: string): FulfillmentCommand {
  return { type: 'PlaceLine', data: { orderId, lineId: 'L1', quantity: 1, placedAt: NOW }, metadata: metadata() };
}

export function cancelLine(orderId: string): FulfillmentCommand {
  return { type: 'CancelLine', data: { orderId, lineId: 'L1' }, metadata: metadata() };
}

export function receiveStock(quantity: number): FulfillmentCommand {
  return { type: 'ReceiveStock', data: { receiptId: `R-${metadata().inputId}`, quantity, purchaseOrderId: PURCHASE_ORDER }, metadata: metadata() };
}

/** Each reschedule moves the purchase order to another date, so every waiting line is re-dated. */
export function rescheduleSupply(attempt: number): FulfillmentCommand {
  return { type: 'RescheduleSupply', data: { purchaseOrderId: PURCHASE_ORDER, expectedAt: SLIPPED_TO[attempt % SLIPPED_TO.length]! }, metadata: metadata() };
}

/** A SKU with `waitingLines` lines of one unit waiting, all covered by one purchase order, built by evolving events. */
export function hotSkuState(waitingLines: number, supply: number): FulfillmentState {
  const state = initialState(HOT_SKU);
  evolve(state, { type: 'ProductDefined', data: { name: 'Hot', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY', definedAt: NOW } });
  evolve(state, { type: 'SupplyAdded', data: { purchaseOrderId: PURCHASE_ORDER, quantity: supply, expectedAt: EXPECTED_AT, addedAt: NOW } });
  for (let index = 0; index < waitingLines; index += 1) evolve(state, lineAccepted(`W${index}`));
  return state;
}

function lineAccepted(orderId: string): FulfillmentEvent {
  return {
    type: 'LineAccepted',
    data: {
      orderId,
      lineId: 'L1',
      quantity: 1,
      allocatedQuantity: 0,
      backorderedQuantity: 1,
      rejectedQuantity: 0,
      status: 'BACKORDERED',
      rejectionReason: null,
      eta: '2026-12-05',
      etaConfidence: 'CONFIRMED',
      acceptedAt: NOW,
      deadline: '2026-12-31T10:00:00.000Z',
      decidedAt: NOW,
    },
  };
}
