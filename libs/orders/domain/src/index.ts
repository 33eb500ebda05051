export * from './order/vocabulary';
export * from './order/line-facts';
export * from './order/customer-updates';
export * from './order/order';
export * from './order/order-status';
