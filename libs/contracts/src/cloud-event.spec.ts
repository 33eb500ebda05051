import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { cloudEvent, deterministicId, RESTOCK_ID_NAMESPACE } from './cloud-event';

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

  test('keeps the ids it has always made: a replay re-emits them, and consumers drop what they saw', () => {
    // Values made by the first implementation (a createHash object per id), before the one-shot hash.
    expect(deterministicId('OrderLineAllocated', 'input-1', 'line-1')).toBe('d9278e6a-546c-53d6-804b-52fe08890f7b');
    expect(deterministicId('d0bd2d00-a3f6-5404-aadd-88735a8486aa', 'order-P1', '3')).toBe('0cb2a895-de38-524d-a06e-400777481e49');
  });

  test('is the RFC 4122 name-based id (SHA-1, version 5) of the parts as JSON in the Restock namespace', () => {
    const reference = (parts: string[]) => {
      const bytes = createHash('sha1').update(Buffer.from(RESTOCK_ID_NAMESPACE.replace(/-/g, ''), 'hex')).update(JSON.stringify(parts), 'utf8').digest().subarray(0, 16);
      bytes[6] = (bytes[6]! & 0x0f) | 0x50;
      bytes[8] = (bytes[8]! & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 4 }), (parts) => deterministicId(...parts) === reference(parts)));
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
