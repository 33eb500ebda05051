export * from './sku-supply/sku-supply';
