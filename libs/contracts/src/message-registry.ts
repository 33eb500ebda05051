import { CYCLE_COUNTED, CycleCountedData } from './inputs/cycle-counted.v1';
import { GOODS_RECEIVED, GoodsReceivedData } from './inputs/goods-received.v1';
import { ORDER_CANCELLED, OrderCancelledData } from './inputs/order-cancelled.v1';
import { ORDER_PLACED, OrderPlacedData } from './inputs/order-placed.v1';
import { PURCHASE_ORDER_LINE_CANCELLED, PurchaseOrderLineCancelledData } from './inputs/purchase-order-line-cancelled.v1';
import { PURCHASE_ORDER_LINE_PLACED, PurchaseOrderLinePlacedData } from './inputs/purchase-order-line-placed.v1';
import {
  PURCHASE_ORDER_LINE_RESCHEDULED,
  PurchaseOrderLineRescheduledData,
} from './inputs/purchase-order-line-rescheduled.v1';
import { SHIPMENT_DISPATCHED, ShipmentDispatchedData } from './inputs/shipment-dispatched.v1';
import {
  PRODUCT_DEFINED,
  PRODUCT_DISCONTINUED,
  ProductDefinedData,
  ProductDiscontinuedData,
} from './internal/catalog-events.v1';
import {
  LINE_ALLOCATED,
  LINE_ALLOCATION_REVOKED,
  LINE_BACKORDER_AT_RISK,
  LINE_CANCELLED,
  LINE_DECIDED,
  LINE_ETA_CHANGED,
  LINE_SHIPPED,
  LineAllocatedData,
  LineAllocationRevokedData,
  LineBackorderAtRiskData,
  LineCancelledData,
  LineDecidedData,
  LineEtaChangedData,
  LineShippedData,
  SKU_LEDGER_CHANGED,
  SkuLedgerChangedData,
} from './internal/fulfillment-events.v1';
import {
  ORDER_LINE_CANCELLATION_REQUESTED,
  ORDER_LINE_PLACED,
  OrderLineCancellationRequestedData,
  OrderLinePlacedData,
} from './internal/order-events.v1';
import { ORDER_ACKNOWLEDGED, OrderAcknowledgedData } from './outputs/order-acknowledged.v1';
import { ORDER_LINE_ALLOCATED, OrderLineAllocatedData } from './outputs/order-line-allocated.v1';
import {
  ORDER_LINE_ALLOCATION_REVOKED,
  OrderLineAllocationRevokedData,
} from './outputs/order-line-allocation-revoked.v1';
import { ORDER_LINE_BACKORDER_AT_RISK, OrderLineBackorderAtRiskData } from './outputs/order-line-backorder-at-risk.v1';
import { ORDER_LINE_CANCELLED, OrderLineCancelledData } from './outputs/order-line-cancelled.v1';
import { ORDER_LINE_ETA_CHANGED, OrderLineEtaChangedData } from './outputs/order-line-eta-changed.v1';
import { ORDER_LINE_SHIPPED, OrderLineShippedData } from './outputs/order-line-shipped.v1';
import {
  PAYMENT_AUTHORIZATION_REQUESTED,
  PaymentAuthorizationRequestedData,
} from './outputs/payment-authorization-requested.v1';
import { REPLENISHMENT_SUGGESTED, ReplenishmentSuggestedData } from './outputs/replenishment-suggested.v1';
import {
  SUPPLY_CANCELLED,
  SUPPLY_EXPECTED,
  SUPPLY_RECEIVED,
  SUPPLY_RESCHEDULED,
  SupplyCancelledData,
  SupplyExpectedData,
  SupplyReceivedData,
  SupplyRescheduledData,
} from './internal/supply-events.v1';
import {
  STOCK_COUNTED,
  STOCK_RECEIVED,
  STOCK_SHIPPED,
  StockCountedData,
  StockReceivedData,
  StockShippedData,
} from './internal/inventory-events.v1';
import { TOPICS } from './topics';

// A class-validator class for the data of one message type. Message data classes carry no
// default values: validation returns the data exactly as it arrived.
export type MessageDataClass = new () => object;

const dataClassesByTopic = new Map<string, Map<string, MessageDataClass>>();

// Registering the same class twice is harmless (modules may load more than once in tests);
// registering a different class under a taken name is a programming error.
export function registerMessageType(topic: string, type: string, dataClass: MessageDataClass): void {
  const types = dataClassesByTopic.get(topic) ?? new Map<string, MessageDataClass>();
  const registered = types.get(type);
  if (registered !== undefined && registered !== dataClass) {
    throw new Error(`message type ${type} on ${topic} is already registered with ${registered.name}`);
  }
  types.set(type, dataClass);
  dataClassesByTopic.set(topic, types);
}

export function messageDataClass(topic: string, type: string): MessageDataClass | undefined {
  return dataClassesByTopic.get(topic)?.get(type);
}

export function registeredMessageTypes(topic: string): string[] {
  return [...(dataClassesByTopic.get(topic)?.keys() ?? [])];
}

const BUILT_IN_MESSAGE_TYPES: ReadonlyArray<readonly [string, string, MessageDataClass]> = [
  [TOPICS.ecommerceOrders, ORDER_PLACED, OrderPlacedData],
  [TOPICS.ecommerceOrders, ORDER_CANCELLED, OrderCancelledData],
  [TOPICS.purchaseOrders, PURCHASE_ORDER_LINE_PLACED, PurchaseOrderLinePlacedData],
  [TOPICS.purchaseOrders, PURCHASE_ORDER_LINE_RESCHEDULED, PurchaseOrderLineRescheduledData],
  [TOPICS.purchaseOrders, PURCHASE_ORDER_LINE_CANCELLED, PurchaseOrderLineCancelledData],
  [TOPICS.warehouseEvents, GOODS_RECEIVED, GoodsReceivedData],
  [TOPICS.warehouseEvents, SHIPMENT_DISPATCHED, ShipmentDispatchedData],
  [TOPICS.warehouseEvents, CYCLE_COUNTED, CycleCountedData],
  [TOPICS.catalogEvents, PRODUCT_DEFINED, ProductDefinedData],
  [TOPICS.catalogEvents, PRODUCT_DISCONTINUED, ProductDiscontinuedData],
  [TOPICS.orderEvents, ORDER_LINE_PLACED, OrderLinePlacedData],
  [TOPICS.orderEvents, ORDER_LINE_CANCELLATION_REQUESTED, OrderLineCancellationRequestedData],
  [TOPICS.fulfillmentEvents, LINE_DECIDED, LineDecidedData],
  [TOPICS.fulfillmentEvents, LINE_ALLOCATED, LineAllocatedData],
  [TOPICS.fulfillmentEvents, LINE_ALLOCATION_REVOKED, LineAllocationRevokedData],
  [TOPICS.fulfillmentEvents, LINE_ETA_CHANGED, LineEtaChangedData],
  [TOPICS.fulfillmentEvents, LINE_BACKORDER_AT_RISK, LineBackorderAtRiskData],
  [TOPICS.fulfillmentEvents, LINE_CANCELLED, LineCancelledData],
  [TOPICS.fulfillmentEvents, LINE_SHIPPED, LineShippedData],
  [TOPICS.fulfillmentLedger, SKU_LEDGER_CHANGED, SkuLedgerChangedData],
  // Restock does not consume its outputs, but registering them lets contract and end-to-end
  // tests check that what Restock publishes obeys the contract.
  [TOPICS.customerUpdates, ORDER_ACKNOWLEDGED, OrderAcknowledgedData],
  [TOPICS.customerUpdates, ORDER_LINE_ETA_CHANGED, OrderLineEtaChangedData],
  [TOPICS.customerUpdates, ORDER_LINE_ALLOCATED, OrderLineAllocatedData],
  [TOPICS.customerUpdates, ORDER_LINE_ALLOCATION_REVOKED, OrderLineAllocationRevokedData],
  [TOPICS.customerUpdates, ORDER_LINE_BACKORDER_AT_RISK, OrderLineBackorderAtRiskData],
  [TOPICS.customerUpdates, ORDER_LINE_CANCELLED, OrderLineCancelledData],
  [TOPICS.customerUpdates, PAYMENT_AUTHORIZATION_REQUESTED, PaymentAuthorizationRequestedData],
  [TOPICS.customerUpdates, ORDER_LINE_SHIPPED, OrderLineShippedData],
  [TOPICS.replenishment, REPLENISHMENT_SUGGESTED, ReplenishmentSuggestedData],
  [TOPICS.supplyEvents, SUPPLY_EXPECTED, SupplyExpectedData],
  [TOPICS.supplyEvents, SUPPLY_RESCHEDULED, SupplyRescheduledData],
  [TOPICS.supplyEvents, SUPPLY_CANCELLED, SupplyCancelledData],
  [TOPICS.supplyEvents, SUPPLY_RECEIVED, SupplyReceivedData],
  [TOPICS.inventoryEvents, STOCK_RECEIVED, StockReceivedData],
  [TOPICS.inventoryEvents, STOCK_SHIPPED, StockShippedData],
  [TOPICS.inventoryEvents, STOCK_COUNTED, StockCountedData],
];

for (const [topic, type, dataClass] of BUILT_IN_MESSAGE_TYPES) registerMessageType(topic, type, dataClass);
