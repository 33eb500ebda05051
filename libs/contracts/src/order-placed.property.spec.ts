import fc from 'fast-check';
import {
  ID_LENGTH_MAX,
  ORDER_PLACED,
  QUANTITY_MAX,
  SKU_LENGTH_MAX,
  TOPICS,
  cloudEvent,
  validateMessage,
  type OrderPlaced,
} from './index';

const ORDER_LINES_GENERATED_MAX = 20;

// Any Unicode, limited like the validator in UTF-16 code units rather than code points.
const entityId = fc
  .string({ minLength: 1, maxLength: ID_LENGTH_MAX, unit: 'binary' })
  .filter((id) => id.length <= ID_LENGTH_MAX);
const sku = fc.string({
  minLength: 1,
  maxLength: SKU_LENGTH_MAX,
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
});
const twoDigits = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));

const timestamp = fc
  .tuple(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.boolean(),
    fc.option(fc.tuple(fc.constantFrom('+', '-'), twoDigits(23), twoDigits(59)), { nil: undefined }),
  )
  .map(([date, withFraction, offset]) => {
    const iso = date.toISOString();
    const local = withFraction ? iso.slice(0, -1) : iso.slice(0, 19);
    return offset === undefined ? `${local}Z` : `${local}${offset[0]}${offset[1]}:${offset[2]}`;
  });

const orderPlaced: fc.Arbitrary<OrderPlaced> = fc
  .record({
    id: entityId,
    source: fc.string({ minLength: 1, maxLength: 100 }),
    time: timestamp,
    causationid: fc.option(entityId, { nil: undefined }),
    data: fc.record({
      orderId: entityId,
      customerId: entityId,
      placedAt: timestamp,
      lines: fc.uniqueArray(
        fc.record({ lineId: entityId, sku, quantity: fc.integer({ min: 1, max: QUANTITY_MAX }) }),
        { minLength: 1, maxLength: ORDER_LINES_GENERATED_MAX, size: 'max', selector: (line) => line.lineId },
      ),
    }),
  })
  .map((fields) => cloudEvent({ ...fields, type: ORDER_PLACED }));

describe('OrderPlaced', () => {
  test('any valid order survives a JSON round trip through validateMessage unchanged', () => {
    fc.assert(
      fc.property(orderPlaced, (event) => {
        const result = validateMessage(TOPICS.ecommerceOrders, Buffer.from(JSON.stringify(event), 'utf8'));
        expect(result).toEqual({ ok: true, event });
      }),
    );
  });
});
