export * from './stock-on-hand/stock-on-hand';
export * from './replenishment/replenishment';
export * from './replenishment/replenishment-review';
