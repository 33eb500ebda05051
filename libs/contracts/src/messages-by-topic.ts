import type { CycleCounted } from './inputs/cycle-counted.v1';
import type { GoodsReceived } from './inputs/goods-received.v1';
import type { OrderCancelled } from './inputs/order-cancelled.v1';
import type { OrderPlaced } from './inputs/order-placed.v1';
import type { PurchaseOrderLineCancelled } from './inputs/purchase-order-line-cancelled.v1';
import type { PurchaseOrderLinePlaced } from './inputs/purchase-order-line-placed.v1';
import type { PurchaseOrderLineRescheduled } from './inputs/purchase-order-line-rescheduled.v1';
import type { ShipmentDispatched } from './inputs/shipment-dispatched.v1';
import type { OrderAcknowledged } from './outputs/order-acknowledged.v1';
import type { OrderLineAllocated } from './outputs/order-line-allocated.v1';
import type { OrderLineAllocationRevoked } from './outputs/order-line-allocation-revoked.v1';
import type { OrderLineBackorderAtRisk } from './outputs/order-line-backorder-at-risk.v1';
import type { OrderLineCancelled } from './outputs/order-line-cancelled.v1';
import type { OrderLineEtaChanged } from './outputs/order-line-eta-changed.v1';
import type { OrderLineShipped } from './outputs/order-line-shipped.v1';
import type { PaymentAuthorizationRequested } from './outputs/payment-authorization-requested.v1';
import type { ReplenishmentSuggested } from './outputs/replenishment-suggested.v1';

// Discriminated on `type`, so a consumer's switch can end in an exhaustive never check.
export type EcommerceOrderMessage = OrderPlaced | OrderCancelled;
export type PurchaseOrderMessage = PurchaseOrderLinePlaced | PurchaseOrderLineRescheduled | PurchaseOrderLineCancelled;
export type WarehouseMessage = GoodsReceived | ShipmentDispatched | CycleCounted;
export type CustomerUpdate =
  | OrderAcknowledged
  | OrderLineEtaChanged
  | OrderLineAllocated
  | OrderLineAllocationRevoked
  | OrderLineBackorderAtRisk
  | OrderLineCancelled
  | PaymentAuthorizationRequested
  | OrderLineShipped;
export type ReplenishmentMessage = ReplenishmentSuggested;
