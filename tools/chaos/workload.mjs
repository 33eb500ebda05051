// The random workload of a chaos run and its independent model: what was sent, so the checks can
// hold the services' answers against it. The model never reads a service's state; the only thing
// it takes from the system is which lines are allocated (from the customer-update stream, as a
// warehouse would), to decide which lines to ship.

export const INPUT_TOPICS = {
  orders: 'ecommerce.orders.v1',
  purchasing: 'purchasing.purchase-orders.v1',
  warehouse: 'warehouse.events.v1',
};

const DAY_MS = 86_400_000;
const HOT_SKU_SHARE = 0.2;
const HOT_DEMAND_SHARE = 0.8;
const WAREHOUSES = ['WH-1', 'WH-2'];
const SOURCE = 'chaos/upstream';
const DUPLICATE_DELAY_STEPS_MAX = 40;
const SHIPMENT_CHANCE = 0.6;
const PHANTOM_COUNT_CHANCE = 0.8;
const RECEIPT_AGAINST_PO_CHANCE = 0.6;
const WHOLE_ORDER_CANCEL_CHANCE = 0.5;

const KIND_METHODS = {
  orders: 'placeOrder',
  customerCancels: 'cancelOrder',
  purchaseOrderLines: 'placePurchaseOrderLine',
  reschedules: 'reschedule',
  purchaseOrderCancels: 'cancelPurchaseOrderLine',
  receipts: 'receive',
  counts: 'count',
};

/** Quotas derived from the headline figures; every kind is spread evenly over the run. */
export function quotas({ orders, skus, receipts }) {
  const purchaseOrderLines = Math.max(skus, Math.ceil(receipts * 0.4));
  return {
    orders,
    receipts,
    purchaseOrderLines,
    reschedules: Math.ceil(purchaseOrderLines * 0.3),
    purchaseOrderCancels: Math.ceil(purchaseOrderLines * 0.05),
    customerCancels: Math.ceil(orders * 0.04),
    counts: Math.max(10, Math.ceil(skus * 0.75)),
  };
}

export function planProducts(rng, skuCount) {
  const hotCount = Math.max(1, Math.round(skuCount * HOT_SKU_SHARE));
  return Array.from({ length: skuCount }, (_, index) => ({
    sku: `CHX-${String(index + 1).padStart(4, '0')}`,
    hot: index < hotCount,
    policy: {
      name: `Chaos product ${index + 1}`,
      backorderable: rng.chance(0.95),
      maxBackorderDays: rng.chance(0.8) ? 30 : 10,
      leadTimeDays: rng.chance(0.1) ? null : rng.pick([7, 14, 14, 21]),
      onLimitExceeded: rng.chance(0.3) ? 'CANCEL' : 'NOTIFY',
    },
  }));
}

function cloudEvent(id, type, time, data) {
  return { specversion: '1.0', id, source: SOURCE, type, time, datacontenttype: 'application/json', data };
}

export class Workload {
  constructor(rng, { seed, orders, skus, receipts, duplicateRate, poisonRate }, products) {
    this.rng = rng;
    this.seed = seed;
    this.products = products;
    this.hot = products.filter((product) => product.hot);
    this.cold = products.filter((product) => !product.hot);
    this.left = quotas({ orders, skus, receipts });
    this.duplicateRate = duplicateRate;
    this.poisonRate = poisonRate;
    this.step = 0;
    this.sequence = 0;
    /** Per SKU and warehouse, on hand as the warehouse reported it, in the order it was sent. */
    this.onHand = new Map(products.map((product) => [product.sku, new Map(WAREHOUSES.map((wh) => [wh, 0]))]));
    this.received = new Map(products.map((product) => [product.sku, 0]));
    this.shipped = new Map(products.map((product) => [product.sku, 0]));
    this.corrections = new Map(products.map((product) => [product.sku, 0]));
    this.orders = new Map();
    this.openOrders = [];
    this.purchaseOrderLines = [];
    this.pendingDuplicates = [];
    this.duplicates = [];
    this.poison = [];
    this.shippable = [];
    this.sent = { orders: 0, orderLines: 0, cancels: 0, receipts: 0, shipments: 0, counts: 0, purchaseOrderLines: 0, reschedules: 0, purchaseOrderCancels: 0 };
  }

  done() {
    return Object.values(this.left).every((left) => left === 0) && this.pendingDuplicates.length === 0;
  }

  nextId(kind) {
    this.sequence += 1;
    return `${kind}-${this.seed}-${this.sequence}`;
  }

  demandSku() {
    const pool = this.cold.length === 0 || this.rng.chance(HOT_DEMAND_SHARE) ? this.hot : this.cold;
    return this.rng.pick(pool).sku;
  }

  /** The inputs of one step: one planned input, perhaps a shipment, a duplicate resent, a poison input. */
  next(nowMs) {
    this.step += 1;
    const messages = [];
    const kind = this.pickKind();
    if (kind) {
      const message = this[KIND_METHODS[kind]](nowMs);
      if (message) messages.push(message);
    }
    if (this.shippable.length > 0 && this.rng.chance(SHIPMENT_CHANCE)) {
      const shipment = this.shipment(nowMs);
      if (shipment) messages.push(shipment);
    }
    for (const message of [...messages]) {
      if (this.rng.chance(this.duplicateRate)) this.pendingDuplicates.push({ due: this.step + this.rng.int(1, DUPLICATE_DELAY_STEPS_MAX), message });
    }
    const due = this.pendingDuplicates.filter((entry) => entry.due <= this.step || kind === null);
    this.pendingDuplicates = this.pendingDuplicates.filter((entry) => !due.includes(entry));
    for (const { message } of due) {
      this.duplicates.push({ topic: message.topic, id: message.value.id, key: message.key, type: message.value.type, sku: message.sku ?? null, orderId: message.orderId ?? null });
      messages.push({ ...message, duplicate: true });
    }
    if (kind !== null && this.rng.chance(this.poisonRate)) messages.push(this.poisonInput(nowMs));
    return messages;
  }

  pickKind() {
    const kinds = Object.entries(this.left).filter(([kind, left]) => left > 0 && this.possible(kind));
    const total = kinds.reduce((sum, [, left]) => sum + left, 0);
    if (total === 0) return null;
    let roll = this.rng.next() * total;
    for (const [kind, left] of kinds) {
      roll -= left;
      if (roll < 0) {
        this.left[kind] -= 1;
        return kind;
      }
    }
    const [kind] = kinds[kinds.length - 1];
    this.left[kind] -= 1;
    return kind;
  }

  possible(kind) {
    switch (kind) {
      case 'reschedules':
      case 'purchaseOrderCancels':
        return this.purchaseOrderLines.some((line) => !line.cancelled);
      case 'customerCancels':
        return this.openOrders.length > 0;
      default:
        return true;
    }
  }

  placeOrder(nowMs) {
    const orderId = this.nextId('O');
    const lineCount = this.rng.chance(0.7) ? 1 : this.rng.chance(0.67) ? 2 : 3;
    const skus = new Set();
    while (skus.size < lineCount) skus.add(this.demandSku());
    const lines = [...skus].map((sku, index) => ({ lineId: `L${index + 1}`, sku, quantity: this.rng.int(1, 4) }));
    const placedAt = new Date(nowMs).toISOString();
    const data = { orderId, customerId: `C-${this.rng.int(1, 5_000)}`, placedAt, lines };
    const order = { orderId, lines, placedAt, cancelled: new Set(), shipped: new Set() };
    this.orders.set(orderId, order);
    this.openOrders.push(order);
    this.sent.orders += 1;
    this.sent.orderLines += lines.length;
    return { topic: INPUT_TOPICS.orders, key: orderId, orderId, value: cloudEvent(this.nextId('in'), 'OrderPlaced', placedAt, data) };
  }

  cancelOrder(nowMs) {
    const index = this.rng.int(0, this.openOrders.length - 1);
    const order = this.openOrders[index];
    const open = order.lines.filter((line) => !order.cancelled.has(line.lineId) && !order.shipped.has(line.lineId));
    this.openOrders.splice(index, 1);
    if (open.length === 0) return null;
    const whole = order.shipped.size === 0 && this.rng.chance(WHOLE_ORDER_CANCEL_CHANCE);
    const lines = whole ? open : [this.rng.pick(open)];
    for (const line of lines) order.cancelled.add(line.lineId);
    if (!whole && open.length > 1) this.openOrders.push(order);
    const data = { orderId: order.orderId, reason: 'changed mind', ...(whole ? {} : { lineIds: lines.map((line) => line.lineId) }) };
    this.sent.cancels += 1;
    const time = new Date(nowMs).toISOString();
    return { topic: INPUT_TOPICS.orders, key: order.orderId, orderId: order.orderId, value: cloudEvent(this.nextId('in'), 'OrderCancelled', time, data) };
  }

  placePurchaseOrderLine(nowMs) {
    const sku = this.sent.purchaseOrderLines < this.products.length ? this.products[this.sent.purchaseOrderLines].sku : this.demandSku();
    const line = {
      purchaseOrderId: this.nextId('PO'),
      sku,
      quantity: this.rng.int(20, 100),
      expectedMs: nowMs + this.rng.int(2, 25) * DAY_MS,
      remaining: 0,
      cancelled: false,
    };
    line.remaining = line.quantity;
    this.purchaseOrderLines.push(line);
    this.sent.purchaseOrderLines += 1;
    const data = { purchaseOrderId: line.purchaseOrderId, sku, quantity: line.quantity, supplierId: `SUP-${this.rng.int(1, 20)}`, expectedAt: new Date(line.expectedMs).toISOString() };
    return { topic: INPUT_TOPICS.purchasing, key: sku, sku, value: cloudEvent(this.nextId('in'), 'PurchaseOrderLinePlaced', new Date(nowMs).toISOString(), data) };
  }

  reschedule(nowMs) {
    const line = this.rng.pick(this.purchaseOrderLines.filter((candidate) => !candidate.cancelled));
    line.expectedMs = Math.max(nowMs + DAY_MS, line.expectedMs + this.rng.int(-3, 10) * DAY_MS);
    this.sent.reschedules += 1;
    const data = { purchaseOrderId: line.purchaseOrderId, sku: line.sku, expectedAt: new Date(line.expectedMs).toISOString(), reason: 'supplier slipped' };
    return { topic: INPUT_TOPICS.purchasing, key: line.sku, sku: line.sku, value: cloudEvent(this.nextId('in'), 'PurchaseOrderLineRescheduled', new Date(nowMs).toISOString(), data) };
  }

  cancelPurchaseOrderLine(nowMs) {
    const line = this.rng.pick(this.purchaseOrderLines.filter((candidate) => !candidate.cancelled));
    line.cancelled = true;
    this.sent.purchaseOrderCancels += 1;
    const data = { purchaseOrderId: line.purchaseOrderId, sku: line.sku };
    return { topic: INPUT_TOPICS.purchasing, key: line.sku, sku: line.sku, value: cloudEvent(this.nextId('in'), 'PurchaseOrderLineCancelled', new Date(nowMs).toISOString(), data) };
  }

  receive(nowMs) {
    const sku = this.demandSku();
    const warehouseId = this.rng.chance(0.7) ? WAREHOUSES[0] : WAREHOUSES[1];
    const openLines = this.purchaseOrderLines.filter((line) => line.sku === sku && !line.cancelled && line.remaining > 0);
    const against = openLines.length > 0 && this.rng.chance(RECEIPT_AGAINST_PO_CHANCE) ? this.rng.pick(openLines) : null;
    const quantity = against ? Math.min(against.remaining, this.rng.int(5, 30)) : this.rng.int(5, 30);
    if (against) against.remaining -= quantity;
    this.addOnHand(sku, warehouseId, quantity);
    this.received.set(sku, this.received.get(sku) + quantity);
    this.sent.receipts += 1;
    const time = new Date(nowMs).toISOString();
    const data = { receiptId: this.nextId('R'), sku, quantity, warehouseId, receivedAt: time, ...(against ? { purchaseOrderId: against.purchaseOrderId } : {}) };
    return { topic: INPUT_TOPICS.warehouse, key: sku, sku, value: cloudEvent(this.nextId('in'), 'GoodsReceived', time, data) };
  }

  /** A count that usually finds less than the records say (phantom stock), sometimes more. */
  count(nowMs) {
    const sku = this.rng.pick(this.products).sku;
    const warehouseId = this.rng.pick(WAREHOUSES);
    const recorded = this.onHand.get(sku).get(warehouseId);
    const counted = this.rng.chance(PHANTOM_COUNT_CHANCE) ? Math.max(0, recorded - this.rng.int(1, 4)) : recorded + this.rng.int(0, 2);
    this.addOnHand(sku, warehouseId, counted - recorded);
    this.corrections.set(sku, this.corrections.get(sku) + counted - recorded);
    this.sent.counts += 1;
    const time = new Date(nowMs).toISOString();
    const data = { countId: this.nextId('CC'), sku, warehouseId, countedQuantity: counted, countedAt: time };
    return { topic: INPUT_TOPICS.warehouse, key: sku, sku, value: cloudEvent(this.nextId('in'), 'CycleCounted', time, data) };
  }

  /** The observer saw a line fully allocated: the warehouse may ship it. */
  allocated(orderId, lineId, quantity) {
    const order = this.orders.get(orderId);
    if (!order || order.cancelled.has(lineId) || order.shipped.has(lineId)) return;
    this.shippable.push({ orderId, lineId, quantity });
  }

  /**
   * Shipments of up to `max` lines seen fully allocated and not shipped yet: what the warehouse
   * ships once the sending is over. A run whose pipeline lagged behind the sending (a broker
   * restart early on) sees its allocations only afterwards, and would otherwise ship nothing.
   */
  remainingShipments(nowMs, max) {
    const messages = [];
    while (this.shippable.length > 0 && messages.length < max) {
      const shipment = this.shipment(nowMs);
      if (shipment) messages.push(shipment);
    }
    return messages;
  }

  shipment(nowMs) {
    const index = this.rng.int(0, this.shippable.length - 1);
    const { orderId, lineId, quantity } = this.shippable[index];
    this.shippable.splice(index, 1);
    const order = this.orders.get(orderId);
    if (order.cancelled.has(lineId) || order.shipped.has(lineId)) return null;
    order.shipped.add(lineId);
    const sku = order.lines.find((line) => line.lineId === lineId).sku;
    const stock = this.onHand.get(sku);
    const warehouseId = stock.get(WAREHOUSES[0]) >= stock.get(WAREHOUSES[1]) ? WAREHOUSES[0] : WAREHOUSES[1];
    this.addOnHand(sku, warehouseId, -quantity);
    this.shipped.set(sku, this.shipped.get(sku) + quantity);
    this.sent.shipments += 1;
    const time = new Date(nowMs).toISOString();
    const data = { shipmentId: this.nextId('SH'), orderId, lineId, sku, warehouseId, quantity, dispatchedAt: time };
    return { topic: INPUT_TOPICS.warehouse, key: sku, sku, value: cloudEvent(this.nextId('in'), 'ShipmentDispatched', time, data) };
  }

  addOnHand(sku, warehouseId, delta) {
    const stock = this.onHand.get(sku);
    stock.set(warehouseId, stock.get(warehouseId) + delta);
  }

  /** Bad JSON, an unknown type or invalid data, each carrying a marker to find it in the dead-letter topic. */
  poisonInput(nowMs) {
    const marker = this.nextId('poison');
    const topic = this.rng.pick(Object.values(INPUT_TOPICS));
    const key = topic === INPUT_TOPICS.orders ? `O-poison-${marker}` : this.rng.pick(this.products).sku;
    const time = new Date(nowMs).toISOString();
    const kind = this.rng.pick(['INVALID_JSON', 'UNKNOWN_TYPE', 'INVALID_DATA']);
    let value;
    if (kind === 'INVALID_JSON') value = `{"specversion":"1.0","id":"${marker}","type":"OrderPlaced","data":{`;
    else if (kind === 'UNKNOWN_TYPE') value = JSON.stringify(cloudEvent(marker, 'ParcelTeleported', time, { sku: key }));
    else value = JSON.stringify(cloudEvent(marker, invalidDataType(topic), time, { sku: key, quantity: 0, orderId: key, lines: [] }));
    this.poison.push({ topic, marker, kind });
    return { topic, key, value: { id: marker, type: kind }, raw: value, poison: true };
  }
}

function invalidDataType(topic) {
  if (topic === INPUT_TOPICS.orders) return 'OrderPlaced';
  if (topic === INPUT_TOPICS.purchasing) return 'PurchaseOrderLinePlaced';
  return 'GoodsReceived';
}
