import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DATA_VALIDATOR_OPTIONS, fieldErrors } from '../validation';
import { CycleCountBody } from './cycle-count.body';
import { OrderCancelBody } from './order-cancel.body';
import { ProductDefinitionBody } from './product-definition.body';
import { RescheduleBody } from './reschedule.body';

type BodyClass = new () => object;

function check(bodyClass: BodyClass, body: unknown): { instance: object; fields: string[] } {
  const instance = plainToInstance(bodyClass, body) as object;
  return { instance, fields: fieldErrors(validateSync(instance, DATA_VALIDATOR_OPTIONS)).map((entry) => entry.field) };
}

describe('ProductDefinitionBody', () => {
  test('fills in the defaults a minimal definition leaves out', () => {
    const { instance, fields } = check(ProductDefinitionBody, { name: 'Red widget', backorderable: true });
    expect(fields).toEqual([]);
    expect({ ...instance }).toEqual({
      name: 'Red widget',
      backorderable: true,
      maxBackorderDays: 30,
      leadTimeDays: null,
      onLimitExceeded: 'NOTIFY',
    });
  });

  test.each([
    [{ maxBackorderDays: 0, leadTimeDays: 0, onLimitExceeded: 'CANCEL' }],
    [{ maxBackorderDays: 365, leadTimeDays: null }],
  ])('accepts the edges %p', (overrides) => {
    expect(check(ProductDefinitionBody, { name: 'W', backorderable: false, ...overrides }).fields).toEqual([]);
  });

  test.each([
    ['name', { backorderable: true }],
    ['name', { name: '', backorderable: true }],
    ['backorderable', { name: 'W', backorderable: 'yes' }],
    ['maxBackorderDays', { name: 'W', backorderable: true, maxBackorderDays: 366 }],
    ['maxBackorderDays', { name: 'W', backorderable: true, maxBackorderDays: 1.5 }],
    ['maxBackorderDays', { name: 'W', backorderable: true, maxBackorderDays: null }],
    ['leadTimeDays', { name: 'W', backorderable: true, leadTimeDays: -1 }],
    ['onLimitExceeded', { name: 'W', backorderable: true, onLimitExceeded: 'IGNORE' }],
    ['sku', { name: 'W', backorderable: true, sku: 'SKU-1' }],
  ])('rejects a bad %s', (field, body) => {
    expect(check(ProductDefinitionBody, body).fields).toContain(field);
  });
});

describe('CycleCountBody', () => {
  const count = { countId: 'count-1', warehouseId: 'wh-1', countedQuantity: 0, countedAt: '2026-12-01T00:00:00Z' };

  test('accepts a count of zero', () => {
    expect(check(CycleCountBody, count).fields).toEqual([]);
  });

  test.each([
    ['countedQuantity', { ...count, countedQuantity: -1 }],
    ['countedAt', { ...count, countedAt: '2026-12-01' }],
    ['countId', { ...count, countId: undefined }],
  ])('rejects a bad %s', (field, body) => {
    expect(check(CycleCountBody, body).fields).toContain(field);
  });
});

describe('RescheduleBody', () => {
  test('takes a reason or none', () => {
    expect(check(RescheduleBody, { sku: 'SKU-1', expectedAt: '2026-12-09T00:00:00Z' }).fields).toEqual([]);
    expect(check(RescheduleBody, { sku: 'SKU-1', expectedAt: '2026-12-09T00:00:00Z', reason: 'storm' }).fields).toEqual([]);
  });

  test('rejects an expected date without a time zone', () => {
    expect(check(RescheduleBody, { sku: 'SKU-1', expectedAt: '2026-12-09T00:00:00' }).fields).toEqual(['expectedAt']);
  });
});

describe('OrderCancelBody', () => {
  test.each([[{}], [{ lineIds: ['line-1'] }], [{ reason: 'changed my mind' }]])('accepts %p', (body) => {
    expect(check(OrderCancelBody, body).fields).toEqual([]);
  });

  test.each([[{ lineIds: [] }], [{ lineIds: 'line-1' }], [{ lineIds: ['line-1', 'line-1'] }]])('rejects %p', (body) => {
    expect(check(OrderCancelBody, body).fields).toEqual(['lineIds']);
  });
});
