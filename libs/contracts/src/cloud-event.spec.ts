import { cloudEvent, deterministicId } from './cloud-event';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('deterministicId', () => {
  test('is a UUID version 5 that depends only on its parts', () => {
    const id = deterministicId('OrderLineAllocated', 'input-1', 'line-1');
    expect(id).toMatch(UUID_V5);
    expect(deterministicId('OrderLineAllocated', 'input-1', 'line-1')).toBe(id);
  });

  test.each([
    [['a', 'b'], ['b', 'a']],
    [['a-b', 'c'], ['a', 'b-c']],
    [['ab'], ['a', 'b']],
    [['a', ''], ['a']],
  ])('tells %p from %p', (left, right) => {
    expect(deterministicId(...left)).not.toBe(deterministicId(...right));
  });

  test('refuses to make an id out of nothing', () => {
    expect(() => deterministicId()).toThrow();
  });
});

describe('cloudEvent', () => {
  const fields = { id: 'e-1', source: 'urn:restock:orders', type: 'OrderLineShipped', time: '2026-12-01T00:00:00Z', data: { n: 1 } };

  test('fills in the fixed attributes', () => {
    expect(cloudEvent(fields)).toEqual({ ...fields, specversion: '1.0', datacontenttype: 'application/json' });
  });

  test('carries the causation id only when there is one', () => {
    expect(Object.keys(cloudEvent(fields))).not.toContain('causationid');
    expect(cloudEvent({ ...fields, causationid: 'input-1' }).causationid).toBe('input-1');
  });
});
