export * from './stock-on-hand/stock-on-hand';
