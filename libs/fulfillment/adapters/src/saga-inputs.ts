import { TOPICS } from '@restock/contracts';
import type { ConsumedInput } from '@restock/messaging';
import type { FulfillmentCommand } from '@restock/fulfillment-domain';

/** A command for one SKU's decider, with the SKU it belongs to. */
export interface SkuCommand {
  readonly sku: string;
  readonly command: FulfillmentCommand;
  /** When the input reached Kafka (its log-append time), for the allocation latency metric. */
  readonly arrivedAtMs?: number;
}

type Data = Record<string, unknown>;

function text(data: Data, field: string): string {
  return data[field] as string;
}

function count(data: Data, field: string): number {
  return data[field] as number;
}

function optionalText(data: Data, field: string): string | null {
  const value = data[field];
  return typeof value === 'string' ? value : null;
}

/**
 * Translates another service's fact (already validated against its contract) into the saga's
 * command, or null when the fact means nothing to the saga (a receipt reaches it through supply,
 * not through inventory; a count that found the records right changes nothing).
 */
export function toSkuCommand(input: ConsumedInput): SkuCommand | null {
  const { event } = input;
  const data = event.data as Data;
  const sku = text(data, 'sku');
  const metadata = { now: event.time, inputId: event.id };
  const command = commandFor(input.topic, event.type, data, metadata);
  return command ? { sku, command, arrivedAtMs: Number(input.message.timestamp) } : null;
}

function commandFor(topic: string, type: string, data: Data, metadata: { now: string; inputId: string }): FulfillmentCommand | null {
  switch (`${topic} ${type}`) {
    case `${TOPICS.catalogEvents} ProductDefined`:
      return {
        type: 'DefineProduct',
        data: {
          name: text(data, 'name'),
          backorderable: data.backorderable as boolean,
          maxBackorderDays: count(data, 'maxBackorderDays'),
          leadTimeDays: (data.leadTimeDays as number | null) ?? null,
          onLimitExceeded: data.onLimitExceeded as 'CANCEL' | 'NOTIFY',
        },
        metadata,
      };
    case `${TOPICS.catalogEvents} ProductDiscontinued`:
      return { type: 'DiscontinueProduct', data: {}, metadata };
    case `${TOPICS.orderEvents} OrderLinePlaced`:
      return {
        type: 'PlaceLine',
        data: { orderId: text(data, 'orderId'), lineId: text(data, 'lineId'), quantity: count(data, 'quantity'), placedAt: text(data, 'placedAt') },
        metadata,
      };
    case `${TOPICS.orderEvents} OrderLineCancellationRequested`:
      return { type: 'CancelLine', data: { orderId: text(data, 'orderId'), lineId: text(data, 'lineId') }, metadata };
    case `${TOPICS.supplyEvents} SupplyExpected`:
      return count(data, 'remainingQuantity') > 0
        ? {
            type: 'AddSupply',
            data: { purchaseOrderId: text(data, 'purchaseOrderId'), quantity: count(data, 'remainingQuantity'), expectedAt: text(data, 'expectedAt') },
            metadata,
          }
        : null;
    case `${TOPICS.supplyEvents} SupplyRescheduled`:
      return { type: 'RescheduleSupply', data: { purchaseOrderId: text(data, 'purchaseOrderId'), expectedAt: text(data, 'expectedAt') }, metadata };
    case `${TOPICS.supplyEvents} SupplyCancelled`:
      return { type: 'CancelSupply', data: { purchaseOrderId: text(data, 'purchaseOrderId') }, metadata };
    case `${TOPICS.supplyEvents} SupplyReceived`:
      return {
        type: 'ReceiveStock',
        data: { receiptId: text(data, 'receiptId'), quantity: count(data, 'quantity'), purchaseOrderId: optionalText(data, 'purchaseOrderId') },
        metadata,
      };
    case `${TOPICS.inventoryEvents} StockShipped`:
      return {
        type: 'RecordShipment',
        data: { shipmentId: text(data, 'shipmentId'), orderId: text(data, 'orderId'), lineId: text(data, 'lineId'), quantity: count(data, 'quantity') },
        metadata,
      };
    case `${TOPICS.inventoryEvents} StockCounted`:
      return count(data, 'delta') !== 0 ? { type: 'AdjustStock', data: { countId: text(data, 'countId'), delta: count(data, 'delta') }, metadata } : null;
    default:
      return null;
  }
}
