import { DynamicModule, Module } from '@nestjs/common';
import { ConsumedInput } from '@restock/messaging';
import { OperatorModule, PlatformModule, ServiceConfig, ServiceDefinition } from '@restock/platform';
import { FulfillmentFactsConsumer } from './fulfillment-facts/fulfillment-facts.consumer';
import { ORDERS_MIGRATIONS } from './migrations';
import { OrderIntakeConsumer } from './order-intake/order-intake.consumer';
import { OrderStates } from './order-stream/order-states';
import { OrdersController } from './order-intake/orders.controller';
import { ordersOperations } from './orders-operations';

export const ORDERS_CONSUMER_GROUP = 'restock.orders';

@Module({})
export class OrdersModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: OrdersModule,
      imports: [PlatformModule.forRoot(config), OperatorModule.forRoot(config, ordersOperations())],
      controllers: [OrdersController, OrderIntakeConsumer, FulfillmentFactsConsumer],
      // One cache of order states for both consumers; a factory, as its constructor takes a size.
      providers: [{ provide: OrderStates, useFactory: () => new OrderStates() }],
    };
  }
}

/**
 * Every input this service handles is about one order, whichever topic and key it came with: the
 * saga's facts are keyed by SKU, so a batch of one SKU partition touches many orders, and two
 * instances may touch one order from different partitions. Locking on the order id keeps each
 * order's outbox in stream order; an input about no order (a ledger change) locks nothing.
 */
export function orderLockKeyOf(input: ConsumedInput): string | null {
  const orderId = (input.event.data as { orderId?: unknown } | null)?.orderId;
  return typeof orderId === 'string' ? orderId : null;
}

export function ordersService(config: ServiceConfig): ServiceDefinition {
  return {
    module: OrdersModule.forRoot(config),
    migrations: ORDERS_MIGRATIONS,
    consumer: { groupId: ORDERS_CONSUMER_GROUP, lockKeyOf: orderLockKeyOf },
  };
}
