import { TOPICS } from '@restock/contracts';
import { ServiceOperations } from '@restock/platform';
import { OrdersProjection } from './order-view/orders-projection';

/**
 * The orders service's read models (`orders`, `order_lines`) are all one
 * projection of the order streams. A new instance per call: the projection caches order states
 * while it replays.
 */
export function ordersOperations(): ServiceOperations {
  return {
    service: 'orders',
    projections: [new OrdersProjection()],
    consumedTopics: [TOPICS.ecommerceOrders, TOPICS.fulfillmentEvents],
  };
}
