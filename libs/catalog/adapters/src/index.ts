export * from './catalog.module';
export * from './migrations';
export * from './product-commands';
export * from './products-read-model';
export * from './catalog-operations';
