import {
  CYCLE_COUNTED,
  GOODS_RECEIVED,
  ORDER_ACKNOWLEDGED,
  ORDER_CANCELLED,
  ORDER_LINE_ALLOCATED,
  ORDER_LINE_ALLOCATION_REVOKED,
  ORDER_LINE_BACKORDER_AT_RISK,
  ORDER_LINE_CANCELLED,
  ORDER_LINE_ETA_CHANGED,
  ORDER_LINE_SHIPPED,
  ORDER_PLACED,
  PAYMENT_AUTHORIZATION_REQUESTED,
  PRODUCT_DEFINED,
  PRODUCT_DISCONTINUED,
  PURCHASE_ORDER_LINE_CANCELLED,
  PURCHASE_ORDER_LINE_PLACED,
  PURCHASE_ORDER_LINE_RESCHEDULED,
  REPLENISHMENT_SUGGESTED,
  SHIPMENT_DISPATCHED,
  TOPICS,
  cloudEvent,
  validateMessage,
  type MessageValidation,
} from './index';

type Data = Record<string, unknown>;

interface MessageContract {
  readonly topic: string;
  readonly type: string;
  readonly sample: Data;
  readonly optional?: readonly string[];
  readonly timestamps?: readonly string[];
  readonly quantities?: readonly string[];
  readonly counts?: readonly string[];
}

const INPUTS: readonly MessageContract[] = [
  {
    topic: TOPICS.ecommerceOrders,
    type: ORDER_PLACED,
    sample: {
      orderId: 'order-1',
      customerId: 'customer-1',
      placedAt: '2026-12-01T09:30:00.123+01:00',
      lines: [
        { lineId: 'line-1', sku: 'SKU-RED-42', quantity: 4 },
        { lineId: 'line-2', sku: 'SKU-BLUE-7', quantity: 1 },
      ],
    },
    timestamps: ['placedAt'],
    quantities: ['lines.0.quantity', 'lines.1.quantity'],
  },
  {
    topic: TOPICS.ecommerceOrders,
    type: ORDER_CANCELLED,
    sample: { orderId: 'order-1', lineIds: ['line-1'], reason: 'customer changed their mind' },
    optional: ['lineIds', 'reason'],
  },
  {
    topic: TOPICS.purchaseOrders,
    type: PURCHASE_ORDER_LINE_PLACED,
    sample: {
      purchaseOrderId: 'po-1',
      sku: 'SKU-RED-42',
      quantity: 10,
      supplierId: 'supplier-1',
      expectedAt: '2026-12-05T00:00:00Z',
    },
    timestamps: ['expectedAt'],
    quantities: ['quantity'],
  },
  {
    topic: TOPICS.purchaseOrders,
    type: PURCHASE_ORDER_LINE_RESCHEDULED,
    sample: { purchaseOrderId: 'po-1', sku: 'SKU-RED-42', expectedAt: '2026-12-09T00:00:00Z', reason: 'port strike' },
    optional: ['reason'],
    timestamps: ['expectedAt'],
  },
  {
    topic: TOPICS.purchaseOrders,
    type: PURCHASE_ORDER_LINE_CANCELLED,
    sample: { purchaseOrderId: 'po-1', sku: 'SKU-RED-42' },
  },
  {
    topic: TOPICS.warehouseEvents,
    type: GOODS_RECEIVED,
    sample: {
      receiptId: 'receipt-1',
      sku: 'SKU-RED-42',
      quantity: 6,
      warehouseId: 'wh-1',
      receivedAt: '2026-12-05T14:00:00-05:00',
      purchaseOrderId: 'po-1',
    },
    optional: ['purchaseOrderId'],
    timestamps: ['receivedAt'],
    quantities: ['quantity'],
  },
  {
    topic: TOPICS.warehouseEvents,
    type: SHIPMENT_DISPATCHED,
    sample: {
      shipmentId: 'shipment-1',
      orderId: 'order-1',
      lineId: 'line-1',
      sku: 'SKU-RED-42',
      warehouseId: 'wh-1',
      quantity: 4,
      dispatchedAt: '2026-12-06T08:00:00Z',
    },
    timestamps: ['dispatchedAt'],
    quantities: ['quantity'],
  },
  {
    topic: TOPICS.warehouseEvents,
    type: CYCLE_COUNTED,
    sample: {
      countId: 'count-1',
      sku: 'SKU-RED-42',
      warehouseId: 'wh-1',
      countedQuantity: 3,
      countedAt: '2026-12-07T18:00:00Z',
    },
    timestamps: ['countedAt'],
    counts: ['countedQuantity'],
  },
];

const line = { orderId: 'order-1', lineId: 'line-1', sku: 'SKU-RED-42' };

const OUTPUTS: readonly MessageContract[] = [
  {
    topic: TOPICS.customerUpdates,
    type: ORDER_ACKNOWLEDGED,
    sample: {
      orderId: 'order-1',
      lines: [
        {
          lineId: 'line-1',
          sku: 'SKU-RED-42',
          quantity: 4,
          status: 'PARTIALLY_ALLOCATED',
          allocatedQuantity: 1,
          backorderedQuantity: 3,
          rejectedQuantity: 0,
          eta: '2026-12-05',
          etaConfidence: 'CONFIRMED',
          rejectionReason: null,
        },
        {
          lineId: 'line-2',
          sku: 'SKU-GONE',
          quantity: 1,
          status: 'REJECTED',
          allocatedQuantity: 0,
          backorderedQuantity: 0,
          rejectedQuantity: 1,
          eta: null,
          etaConfidence: null,
          rejectionReason: 'DISCONTINUED',
        },
      ],
    },
  },
  {
    topic: TOPICS.customerUpdates,
    type: ORDER_LINE_ETA_CHANGED,
    sample: { ...line, previousEta: '2026-12-05', eta: '2026-12-09', etaConfidence: 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED' },
  },
  {
    topic: TOPICS.customerUpdates,
    type: ORDER_LINE_ALLOCATED,
    sample: { ...line, quantity: 2, allocatedQuantity: 3, remainingQuantity: 1 },
  },
  {
    topic: TOPICS.customerUpdates,
    type: ORDER_LINE_ALLOCATION_REVOKED,
    sample: { ...line, quantity: 2, allocatedQuantity: 1, remainingQuantity: 3, eta: '2026-12-15' },
  },
  {
    topic: TOPICS.customerUpdates,
    type: ORDER_LINE_BACKORDER_AT_RISK,
    sample: { ...line, eta: '2027-01-15', deadline: '2026-12-31' },
  },
  {
    topic: TOPICS.customerUpdates,
    type: ORDER_LINE_CANCELLED,
    sample: { ...line, quantity: 4, releasedQuantity: 1, reason: 'CUSTOMER' },
  },
  {
    topic: TOPICS.customerUpdates,
    type: PAYMENT_AUTHORIZATION_REQUESTED,
    sample: { orderId: 'order-1', lines: [{ lineId: 'line-1', sku: 'SKU-RED-42', quantity: 4 }] },
  },
  {
    topic: TOPICS.customerUpdates,
    type: ORDER_LINE_SHIPPED,
    sample: { ...line, shipmentId: 'shipment-1', quantity: 4 },
  },
  {
    topic: TOPICS.replenishment,
    type: REPLENISHMENT_SUGGESTED,
    sample: {
      sku: 'SKU-RED-42',
      quantity: 40,
      reorderPoint: 12,
      safetyStock: 4,
      inventoryPosition: -3,
      supplierId: 'supplier-1',
    },
  },
];

const INTERNAL: readonly MessageContract[] = [
  {
    topic: TOPICS.catalogEvents,
    type: PRODUCT_DEFINED,
    sample: {
      sku: 'SKU-RED-42',
      name: 'Red widget',
      backorderable: true,
      maxBackorderDays: 30,
      leadTimeDays: null,
      onLimitExceeded: 'NOTIFY',
      definedAt: '2026-11-01T00:00:00Z',
    },
  },
  {
    topic: TOPICS.catalogEvents,
    type: PRODUCT_DISCONTINUED,
    sample: { sku: 'SKU-RED-42', discontinuedAt: '2026-11-02T00:00:00Z' },
  },
];

function envelope(type: string, data: unknown): Data {
  return { ...cloudEvent({ id: 'event-1', source: 'urn:test', type, time: '2026-12-01T10:00:00Z', data }) };
}

function validate(contract: MessageContract, data: unknown): MessageValidation {
  return validateMessage(contract.topic, Buffer.from(JSON.stringify(envelope(contract.type, data))));
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function withPath(data: Data, path: string, change: (parent: Data, key: string) => void): Data {
  const result = copy(data);
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce<Data>((node, key) => node[key] as Data, result);
  change(parent, keys.at(-1)!);
  return result;
}

const setPath = (data: Data, path: string, value: unknown): Data =>
  withPath(data, path, (parent, key) => (parent[key] = value));
const deletePath = (data: Data, path: string): Data => withPath(data, path, (parent, key) => delete parent[key]);

// Every property path of the sample, nested object properties included ("lines.0.sku").
function propertyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => propertyPaths(item, `${prefix}.${index}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, nested]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...(Array.isArray(nested) ? propertyPaths(nested, path) : propertyPaths(nested, path))];
  });
}

function valueAt(data: Data, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Data)[key], data);
}

function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'string') return 42;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'not-a-list';
  return 'not-an-object';
}

function expectRejected(result: MessageValidation, code: string, field: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.reason.code).toBe(code);
  expect(result.reason.fields.map((entry) => entry.field)).toContain(field);
  expect(result.reason.fields.find((entry) => entry.field === field)?.errors.length).toBeGreaterThan(0);
}

const name = (contract: MessageContract): string => contract.type;

describe('every public and internal message type', () => {
  test.each([...INPUTS, ...OUTPUTS, ...INTERNAL].map((c) => [name(c), c] as const))(
    'a valid %s passes and comes back unchanged as plain JSON',
    (_type, contract) => {
      const sent = envelope(contract.type, contract.sample);
      const result = validateMessage(contract.topic, JSON.stringify(sent));
      expect(result).toEqual({ ok: true, event: sent });
      if (result.ok) expect(Object.getPrototypeOf(result.event.data)).toBe(Object.prototype);
    },
  );
});

describe('input data', () => {
  const rows = <T>(build: (contract: MessageContract) => T[]): T[] => INPUTS.flatMap(build);

  test.each(
    rows((c) =>
      propertyPaths(c.sample)
        .filter((path) => !(c.optional ?? []).includes(path) && !/\.\d+$/.test(path))
        .map((path) => [c.type, path, c] as const),
    ),
  )('%s without %s is rejected', (_type, path, contract) => {
    expectRejected(validate(contract, deletePath(contract.sample, path)), 'INVALID_DATA', `data.${path}`);
  });

  test.each(
    rows((c) =>
      propertyPaths(c.sample)
        .filter((path) => !/\.\d+$/.test(path))
        .map((path) => [c.type, path, c] as const),
    ),
  )('%s with a wrongly typed %s is rejected', (_type, path, contract) => {
    const data = setPath(contract.sample, path, wrongTypeFor(valueAt(contract.sample, path)));
    expectRejected(validate(contract, data), 'INVALID_DATA', `data.${path}`);
  });

  test.each(
    rows((c) =>
      ['unexpected', ...propertyPaths(c.sample).filter((p) => /^lines\.\d+$/.test(p)).map((p) => `${p}.unexpected`)].map(
        (path) => [c.type, path, c] as const,
      ),
    ),
  )('%s with an unknown field %s is rejected', (_type, path, contract) => {
    expectRejected(validate(contract, setPath(contract.sample, path, 'surprise')), 'INVALID_DATA', `data.${path}`);
  });

  const BAD_TIMESTAMPS: readonly unknown[] = [
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T00:00:00',
    '2026-12-01T00:00:00+2400',
    '2026-12-01',
    'yesterday',
    1_764_547_200_000,
  ];
  test.each(
    rows((c) =>
      (c.timestamps ?? []).flatMap((path) => BAD_TIMESTAMPS.map((bad) => [c.type, path, bad, c] as const)),
    ),
  )('%s with %s = %p is rejected', (_type, path, bad, contract) => {
    expectRejected(validate(contract, setPath(contract.sample, path, bad)), 'INVALID_DATA', `data.${path}`);
  });

  test.each(
    rows((c) => (c.quantities ?? []).flatMap((path) => [1.5, 0, -1].map((bad) => [c.type, path, bad, c] as const))),
  )('%s with quantity %s = %p is rejected', (_type, path, bad, contract) => {
    expectRejected(validate(contract, setPath(contract.sample, path, bad)), 'INVALID_DATA', `data.${path}`);
  });

  test.each(rows((c) => (c.counts ?? []).flatMap((path) => [1.5, -1].map((bad) => [c.type, path, bad, c] as const))))(
    '%s with count %s = %p is rejected',
    (_type, path, bad, contract) => {
      expectRejected(validate(contract, setPath(contract.sample, path, bad)), 'INVALID_DATA', `data.${path}`);
    },
  );

  test.each(rows((c) => (c.counts ?? []).map((path) => [c.type, path, c] as const)))(
    '%s with count %s = 0 passes, because an empty shelf is a fact',
    (_type, path, contract) => {
      expect(validate(contract, setPath(contract.sample, path, 0)).ok).toBe(true);
    },
  );

  test.each(rows((c) => (c.optional ?? []).map((path) => [c.type, path, c] as const)))(
    '%s without the optional %s passes',
    (_type, path, contract) => {
      expect(validate(contract, deletePath(contract.sample, path)).ok).toBe(true);
    },
  );

  const orderPlaced = INPUTS.find((c) => c.type === ORDER_PLACED)!;
  const orderCancelled = INPUTS.find((c) => c.type === ORDER_CANCELLED)!;
  test.each([
    ['an order without lines', orderPlaced, setPath(orderPlaced.sample, 'lines', []), 'data.lines'],
    ['an order with a repeated lineId', orderPlaced, setPath(orderPlaced.sample, 'lines.1.lineId', 'line-1'), 'data.lines'],
    ['a line that is not an object', orderPlaced, setPath(orderPlaced.sample, 'lines.1', 7), 'data.lines.1'],
    ['a SKU with a space', orderPlaced, setPath(orderPlaced.sample, 'lines.0.sku', 'RED 42'), 'data.lines.0.sku'],
    ['a SKU of 65 characters', orderPlaced, setPath(orderPlaced.sample, 'lines.0.sku', 'S'.repeat(65)), 'data.lines.0.sku'],
    ['an empty orderId', orderPlaced, setPath(orderPlaced.sample, 'orderId', ''), 'data.orderId'],
    ['an orderId of 201 characters', orderPlaced, setPath(orderPlaced.sample, 'orderId', 'o'.repeat(201)), 'data.orderId'],
    ['a cancellation of no lines', orderCancelled, setPath(orderCancelled.sample, 'lineIds', []), 'data.lineIds'],
    ['a cancellation naming a line twice', orderCancelled, setPath(orderCancelled.sample, 'lineIds', ['a', 'a']), 'data.lineIds'],
    ['a cancellation with an empty lineId', orderCancelled, setPath(orderCancelled.sample, 'lineIds', ['']), 'data.lineIds'],
  ] as const)('%s is rejected', (_case, contract, data, field) => {
    expectRejected(validate(contract, data), 'INVALID_DATA', field);
  });

  test('a SKU of 64 printable characters passes', () => {
    expect(validate(orderPlaced, setPath(orderPlaced.sample, 'lines.0.sku', '!~'.repeat(32))).ok).toBe(true);
  });
});

describe('output data', () => {
  const acknowledged = OUTPUTS.find((c) => c.type === ORDER_ACKNOWLEDGED)!;
  const etaChanged = OUTPUTS.find((c) => c.type === ORDER_LINE_ETA_CHANGED)!;
  test.each([
    ['an unknown line status', acknowledged, 'lines.0.status', 'WAITING', 'data.lines.0.status'],
    ['an ETA that is a timestamp', acknowledged, 'lines.0.eta', '2026-12-05T00:00:00Z', 'data.lines.0.eta'],
    ['an ETA of 31 November', etaChanged, 'eta', '2026-11-31', 'data.eta'],
    ['an unknown ETA change cause', etaChanged, 'cause', 'MAGIC', 'data.cause'],
  ] as const)('%s is rejected', (_case, contract, path, bad, field) => {
    expectRejected(validate(contract, setPath(contract.sample, path, bad)), 'INVALID_DATA', field);
  });

  test('an ETA change for the operator expedite passes', () => {
    expect(validate(etaChanged, setPath(etaChanged.sample, 'cause', 'EXPEDITED')).ok).toBe(true);
  });

  test('a nullable field must still be present', () => {
    expectRejected(validate(etaChanged, deletePath(etaChanged.sample, 'previousEta')), 'INVALID_DATA', 'data.previousEta');
  });
});
