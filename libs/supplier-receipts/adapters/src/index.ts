export * from './migrations';
export * from './purchase-orders-read-model';
export * from './sku-supply-store';
export * from './supplier-receipts.module';
export * from './supply-batch';
export * from './supply-operations';
