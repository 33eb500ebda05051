export * from './product/product';
