export * from './inventory-read-model';
export * from './inventory.module';
export * from './migrations';
export * from './stock-batch';
export * from './inventory-operations';
export * from './sku-ledger-projection';
export * from './supply-pipeline-projection';
