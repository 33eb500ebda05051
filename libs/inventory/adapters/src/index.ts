export * from './inventory-read-model';
export * from './inventory.module';
export * from './migrations';
export * from './stock-batch';
