import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  MESSAGE_BYTES_MAX,
  ORDER_PLACED,
  OrderPlacedData,
  TOPICS,
  fieldErrors,
  validateMessage,
  type MessageValidation,
} from './index';

const ORDER = {
  orderId: 'order-1',
  customerId: 'customer-1',
  placedAt: '2026-12-01T09:30:00Z',
  lines: [{ lineId: 'line-1', sku: 'SKU-1', quantity: 1 }],
};

const EVENT: Record<string, unknown> = {
  specversion: '1.0',
  id: 'event-1',
  source: 'urn:shop',
  type: ORDER_PLACED,
  time: '2026-12-01T09:30:01Z',
  datacontenttype: 'application/json',
  data: ORDER,
};

function send(event: Record<string, unknown>, topic: string = TOPICS.ecommerceOrders): MessageValidation {
  return validateMessage(topic, JSON.stringify(event));
}

function reasonOf(result: MessageValidation) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.event)}`);
  return result.reason;
}

describe('the envelope', () => {
  test.each(['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'data'])(
    'without %s is rejected naming it',
    (attribute) => {
      const { [attribute]: _removed, ...event } = EVENT;
      const reason = reasonOf(send(event));
      expect(reason.code).toBe('INVALID_ENVELOPE');
      expect(reason.fields.map((entry) => entry.field)).toContain(attribute);
    },
  );

  test.each([
    ['specversion', '0.3'],
    ['id', ''],
    ['id', 7],
    ['time', '2026-12-01 09:30:01'],
    ['time', '2026-12-01T09:30:01'],
    ['datacontenttype', 'text/plain'],
    ['data', null],
    ['data', [ORDER]],
    ['causationid', ''],
    ['traceparent', { nested: true }],
    ['TraceParent', 'x'],
    ['data_base64', 'eyJ9'],
    ['averyveryverylongextension', 'x'],
  ])('with %s = %p is rejected naming it', (attribute, value) => {
    const reason = reasonOf(send({ ...EVENT, [attribute]: value }));
    expect(reason.code).toBe('INVALID_ENVELOPE');
    expect(reason.fields.map((entry) => entry.field)).toContain(attribute);
  });

  test.each([
    ['causationid', 'input-7'],
    ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['subject', 'order-1'],
    ['partitionkey', 3],
  ])('with the extension %s passes and keeps it', (attribute, value) => {
    const result = send({ ...EVENT, [attribute]: value });
    expect(result).toEqual({ ok: true, event: { ...EVENT, [attribute]: value } });
  });

  test('that is a JSON array is rejected', () => {
    expect(reasonOf(validateMessage(TOPICS.ecommerceOrders, '[1,2]')).code).toBe('INVALID_ENVELOPE');
  });
});

describe('the message as a whole', () => {
  test.each([
    ['not JSON', '{"specversion": "1.0",'],
    ['empty', ''],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['a tombstone', null],
    ['carrying a __proto__ key', JSON.stringify(EVENT).replace('"lines"', '"__proto__":{"x":1},"lines"')],
  ])('%s is INVALID_JSON', (_case, value) => {
    expect(reasonOf(validateMessage(TOPICS.ecommerceOrders, value)).code).toBe('INVALID_JSON');
  });

  test('larger than the default limit is TOO_LARGE before it is parsed', () => {
    const huge = `{"padding":"${'x'.repeat(MESSAGE_BYTES_MAX)}"}`;
    expect(reasonOf(validateMessage(TOPICS.ecommerceOrders, huge)).code).toBe('TOO_LARGE');
  });

  test('larger than a given limit is TOO_LARGE, counted in bytes not characters', () => {
    const text = JSON.stringify({ ...EVENT, source: 'urn:é' });
    expect(validateMessage(TOPICS.ecommerceOrders, text, { maxBytes: text.length + 1 }).ok).toBe(true);
    expect(reasonOf(validateMessage(TOPICS.ecommerceOrders, text, { maxBytes: text.length })).code).toBe('TOO_LARGE');
  });

  test.each([
    ['a type nobody defined', TOPICS.ecommerceOrders, 'OrderTeleported'],
    ['a known type on the wrong topic', TOPICS.warehouseEvents, ORDER_PLACED],
    ['any type on a topic without a registry', 'someone.elses.topic.v1', ORDER_PLACED],
  ])('%s is UNKNOWN_TYPE naming the type', (_case, topic, type) => {
    const reason = reasonOf(send({ ...EVENT, type }, topic));
    expect(reason.code).toBe('UNKNOWN_TYPE');
    expect(reason.fields).toEqual([{ field: 'type', errors: [expect.stringContaining(type)] }]);
  });

  test('a missing field is reported once as missing, not as every constraint it fails', () => {
    const { lines: _lines, ...withoutLines } = ORDER;
    const missing = reasonOf(send({ ...EVENT, data: withoutLines }));
    expect(missing.fields).toEqual([{ field: 'data.lines', errors: ['lines is required'] }]);
    const nested = reasonOf(send({ ...EVENT, data: { ...ORDER, lines: [{ lineId: 'line-1', sku: 'SKU-1' }] } }));
    expect(nested.fields).toEqual([{ field: 'data.lines.0.quantity', errors: ['quantity is required'] }]);
    const nulled = reasonOf(send({ ...EVENT, data: { ...ORDER, customerId: null } }));
    expect(nulled.fields).toEqual([{ field: 'data.customerId', errors: ['customerId must not be null'] }]);
    const { id: _id, ...withoutId } = EVENT;
    expect(reasonOf(send(withoutId)).fields).toEqual([{ field: 'id', errors: ['id is required'] }]);
  });

  test('a present but wrong field keeps every constraint it fails', () => {
    const reason = reasonOf(send({ ...EVENT, data: { ...ORDER, lines: 'many' } }));
    expect(reason.fields).toHaveLength(1);
    expect(reason.fields[0]!.field).toBe('data.lines');
    expect(reason.fields[0]!.errors.length).toBeGreaterThan(1);
    expect(reason.fields[0]!.errors).toContain('lines must be an array');
  });

  test('errors judged with their values (the HTTP pipe) report a missing field the same way', () => {
    const { lines: _lines, ...withoutLines } = ORDER;
    const errors = validateSync(plainToInstance(OrderPlacedData, withoutLines), { whitelist: true, forbidNonWhitelisted: true });
    expect(fieldErrors(errors)).toEqual([{ field: 'lines', errors: ['lines is required'] }]);
    const unknown = validateSync(plainToInstance(OrderPlacedData, { ...ORDER, extra: null }), { whitelist: true, forbidNonWhitelisted: true });
    expect(fieldErrors(unknown)).toEqual([{ field: 'extra', errors: ['property extra should not exist'] }]);
  });

  test('invalid data is reported with one entry per field and all of its errors', () => {
    const data = { ...ORDER, lines: [{ lineId: 'line-1', sku: 'SKU-1', quantity: 0.5 }] };
    const reason = reasonOf(send({ ...EVENT, data }));
    expect(reason).toEqual({
      code: 'INVALID_DATA',
      message: expect.stringContaining(ORDER_PLACED),
      fields: [{ field: 'data.lines.0.quantity', errors: expect.arrayContaining(['quantity must be an integer number']) }],
    });
  });
});

describe('a caller taking only some types', () => {
  const badData = { ...EVENT, data: { ...ORDER, lines: [] } };
  const cancelled = { ...EVENT, type: 'OrderCancelled', data: { orderId: 'order-1' } };

  test('gets a message of another type passed over, its data unchecked', () => {
    const result = validateMessage(TOPICS.ecommerceOrders, JSON.stringify(badData), { typesTaken: new Set(['OrderCancelled']) });
    expect(result).toEqual({ ok: true, event: badData, passedOver: true });
  });

  test('gets a message of a type it takes checked as ever', () => {
    expect(reasonOf(validateMessage(TOPICS.ecommerceOrders, JSON.stringify(badData), { typesTaken: new Set([ORDER_PLACED]) })).code).toBe('INVALID_DATA');
    expect(validateMessage(TOPICS.ecommerceOrders, JSON.stringify(cancelled), { typesTaken: new Set(['OrderCancelled']) })).toEqual({ ok: true, event: cancelled });
  });

  test('still gets a bad envelope and an unknown type rejected', () => {
    const taken = { typesTaken: new Set(['OrderCancelled']) };
    expect(reasonOf(validateMessage(TOPICS.ecommerceOrders, JSON.stringify({ ...EVENT, specversion: '0.3' }), taken)).code).toBe('INVALID_ENVELOPE');
    expect(reasonOf(validateMessage(TOPICS.ecommerceOrders, JSON.stringify({ ...EVENT, type: 'OrderTeleported' }), taken)).code).toBe('UNKNOWN_TYPE');
  });
});

describe('fieldErrors', () => {
  test('flattens nested class-validator errors into dotted paths', () => {
    const order = plainToInstance(OrderPlacedData, { ...ORDER, orderId: '', lines: [] });
    expect(fieldErrors(validateSync(order)).map((entry) => entry.field)).toEqual(['orderId', 'lines']);
  });

  test('prefixes paths when asked', () => {
    const order = plainToInstance(OrderPlacedData, { ...ORDER, placedAt: 'soon' });
    expect(fieldErrors(validateSync(order), 'body')).toEqual([
      { field: 'body.placedAt', errors: [expect.stringContaining('RFC 3339')] },
    ]);
  });

  test('names the object itself when the value is not an instance of a validated class', () => {
    expect(fieldErrors(validateSync({ plain: true }, { forbidUnknownValues: true }), 'body')).toEqual([
      { field: 'body', errors: ['an unknown value was passed to the validate function'] },
    ]);
  });
});
