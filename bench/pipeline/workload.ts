import { randomUUID } from 'node:crypto';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { seededRandom } from '@restock/testing';

export const HOT_SKU_SHARE = 0.2;
export const HOT_LINE_SHARE = 0.8;
export const LINES_PER_ORDER_MAX = 4;
export const LINES_PER_SKU = 50;
export const LINES_PER_RECEIPT = 50;
/** Receipts bring half the demand of their SKU, so every received unit ends up allocated, whatever the interleaving. */
export const RECEIVED_SHARE_OF_DEMAND = 0.5;
const PHASE_SPAN_MS = 8 * 3_600_000;

export interface Message {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
}

export interface OrderMessage extends Message {
  readonly orderId: string;
  readonly lines: number;
}

export interface Workload {
  readonly skus: readonly string[];
  /** Orders, purchase-order lines and receipts in publishing order. */
  readonly messages: readonly (Message | OrderMessage)[];
  readonly orders: number;
  readonly lines: number;
  readonly receivedUnits: number;
}

/** A small deterministic generator (mulberry32), so every run publishes the same workload. */
export const random = seededRandom;

export function skusFor(lines: number, runId: string): string[] {
  const count = Math.max(5, Math.min(1_000, Math.round(lines / LINES_PER_SKU)));
  return Array.from({ length: count }, (_, index) => `B${runId}-${String(index).padStart(4, '0')}`);
}

/** 80 % of the lines go to 20 % of the SKUs. */
function skewedSku(skus: readonly string[], next: () => number): string {
  const hot = Math.max(1, Math.round(skus.length * HOT_SKU_SHARE));
  return next() < HOT_LINE_SHARE ? skus[Math.floor(next() * hot)]! : skus[hot + Math.floor(next() * (skus.length - hot))]!;
}

function instant(startMs: number, index: number, count: number): string {
  return new Date(startMs + Math.floor((index * PHASE_SPAN_MS) / Math.max(1, count))).toISOString();
}

function event(type: string, time: string, data: Record<string, unknown>): string {
  return JSON.stringify(cloudEvent({ id: randomUUID(), source: 'restock-bench', type, time, data }));
}

interface OrderDraft {
  readonly orderId: string;
  readonly lines: { lineId: string; sku: string; quantity: number }[];
}

function draftOrders(lines: number, skus: readonly string[], next: () => number, phase: string): OrderDraft[] {
  const orders: OrderDraft[] = [];
  for (let placed = 0; placed < lines; ) {
    const size = Math.min(lines - placed, 1 + (orders.length % LINES_PER_ORDER_MAX));
    const chosen = new Set<string>();
    while (chosen.size < Math.min(size, skus.length)) chosen.add(skewedSku(skus, next));
    const orderLines = [...chosen].map((sku, index) => ({ lineId: `L${index + 1}`, sku, quantity: 1 + Math.floor(next() * 3) }));
    orders.push({ orderId: `${phase}-O${orders.length}`, lines: orderLines });
    placed += orderLines.length;
  }
  return orders;
}

/**
 * N order lines over the SKUs, with one purchase-order line per SKU (covering its demand) among
 * the first orders and receipts against them spread through the rest. Receipts use the same skew.
 */
export function buildWorkload(lines: number, skus: readonly string[], phase: string, startMs: number, seed: number): Workload {
  const next = random(seed);
  const orders = draftOrders(lines, skus, next, phase);
  const demand = new Map<string, number>(skus.map((sku) => [sku, 0]));
  for (const order of orders) for (const line of order.lines) demand.set(line.sku, demand.get(line.sku)! + line.quantity);
  const receiptsPlanned = Math.max(1, Math.round(lines / LINES_PER_RECEIPT));
  const receiptSkus = Array.from({ length: receiptsPlanned }, () => skewedSku(skus, next));
  const receiptsPerSku = new Map<string, number>();
  for (const sku of receiptSkus) receiptsPerSku.set(sku, (receiptsPerSku.get(sku) ?? 0) + 1);
  const supply: Message[] = skus.map((sku, index) => ({
    topic: TOPICS.purchaseOrders,
    key: sku,
    value: event('PurchaseOrderLinePlaced', instant(startMs, index, skus.length * 10), {
      purchaseOrderId: `PO-${phase}`,
      sku,
      quantity: Math.max(1, demand.get(sku)!),
      supplierId: 'SUP-BENCH',
      expectedAt: new Date(startMs + 5 * 86_400_000).toISOString(),
    }),
  }));
  let receivedUnits = 0;
  const receipts: Message[] = [];
  receiptSkus.forEach((sku, index) => {
    const quantity = Math.floor((demand.get(sku)! * RECEIVED_SHARE_OF_DEMAND) / receiptsPerSku.get(sku)!);
    if (quantity < 1) return;
    receivedUnits += quantity;
    const time = instant(startMs, index + 1, receiptsPlanned + 1);
    receipts.push({
      topic: TOPICS.warehouseEvents,
      key: sku,
      value: event('GoodsReceived', time, { receiptId: `R-${phase}-${index}`, sku, quantity, warehouseId: 'WH-1', receivedAt: time, purchaseOrderId: `PO-${phase}` }),
    });
  });
  const orderMessages: OrderMessage[] = orders.map((order, index) => {
    const placedAt = instant(startMs, index, orders.length);
    return {
      topic: TOPICS.ecommerceOrders,
      key: order.orderId,
      orderId: order.orderId,
      lines: order.lines.length,
      value: event('OrderPlaced', placedAt, { orderId: order.orderId, customerId: `C-${order.orderId}`, placedAt, lines: order.lines }),
    };
  });
  return { skus, messages: interleave(orderMessages, supply, receipts), orders: orders.length, lines, receivedUnits };
}

/** Purchase-order lines go out among the first tenth of the orders, receipts evenly through all of them. */
function interleave(orders: readonly OrderMessage[], supply: readonly Message[], receipts: readonly Message[]): Message[] {
  const messages: Message[] = [];
  const supplyEvery = Math.max(1, Math.floor(orders.length / 10 / Math.max(1, supply.length)));
  const receiptEvery = Math.max(1, Math.floor(orders.length / Math.max(1, receipts.length)));
  let nextSupply = 0;
  let nextReceipt = 0;
  orders.forEach((order, index) => {
    while (nextSupply < supply.length && (index % supplyEvery === 0 || index >= orders.length / 10)) {
      messages.push(supply[nextSupply]!);
      nextSupply += 1;
      if (index < orders.length / 10) break;
    }
    messages.push(order);
    if (index % receiptEvery === receiptEvery - 1 && nextReceipt < receipts.length) {
      messages.push(receipts[nextReceipt]!);
      nextReceipt += 1;
    }
  });
  messages.push(...supply.slice(nextSupply), ...receipts.slice(nextReceipt));
  return messages;
}

export function isOrder(message: Message): message is OrderMessage {
  return 'orderId' in message;
}
