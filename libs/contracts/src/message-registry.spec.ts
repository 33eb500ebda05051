import { IsInt } from 'class-validator';
import { PRODUCT_DEFINED, ProductDefinedData, TOPICS, registerMessageType, registeredMessageTypes, validateMessage } from './index';

class StockAdjustedData {
  @IsInt()
  readonly delta!: number;
}

class OtherStockAdjustedData {
  @IsInt()
  readonly difference!: number;
}

function event(type: string, data: object): string {
  return JSON.stringify({
    specversion: '1.0',
    id: 'event-1',
    source: 'urn:restock:inventory',
    type,
    time: '2026-12-01T00:00:00Z',
    datacontenttype: 'application/json',
    data,
  });
}

describe('the message type registry', () => {
  test('knows the internal catalog events from the start', () => {
    expect(registeredMessageTypes(TOPICS.catalogEvents).sort()).toEqual(['ProductDefined', 'ProductDiscontinued']);
  });

  test('lets another library register its internal event and validates it from then on', () => {
    expect(validateMessage(TOPICS.inventoryEvents, event('StockAdjusted', { delta: -2 })).ok).toBe(false);
    registerMessageType(TOPICS.inventoryEvents, 'StockAdjusted', StockAdjustedData);
    registerMessageType(TOPICS.inventoryEvents, 'StockAdjusted', StockAdjustedData);
    expect(validateMessage(TOPICS.inventoryEvents, event('StockAdjusted', { delta: -2 })).ok).toBe(true);
    expect(validateMessage(TOPICS.inventoryEvents, event('StockAdjusted', { delta: 'x' })).ok).toBe(false);
  });

  test('refuses a second class under a name that is taken', () => {
    expect(() => registerMessageType(TOPICS.catalogEvents, PRODUCT_DEFINED, OtherStockAdjustedData)).toThrow(
      /already registered/,
    );
    expect(() => registerMessageType(TOPICS.catalogEvents, PRODUCT_DEFINED, ProductDefinedData)).not.toThrow();
  });
});
