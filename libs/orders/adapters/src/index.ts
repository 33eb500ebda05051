export * from './orders.module';
export * from './migrations';
export * from './order-stream/order-batch';
export * from './order-stream/order-messages';
export * from './order-stream/order-streams';
export * from './order-view/orders-read-model';
export * from './orders-operations';
export * from './order-view/orders-projection';
