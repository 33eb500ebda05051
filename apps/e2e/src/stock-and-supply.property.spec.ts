import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { TOPICS, type CloudEvent, type PurchaseOrderMessage, type WarehouseMessage } from '@restock/contracts';
import type { ConsumedInput } from '@restock/messaging';
import { crossing, minSteps, must, runOptions, runSteps } from './property-runs';
import { decide as decideSku, evolve as evolveSku, initialState as initialSkuState, ledger, type FulfillmentState } from '@restock/fulfillment-domain';
import { toSkuCommand, type SkuCommand } from '@restock/fulfillment-adapters';
import { decide as decideStock, evolve as evolveStock, initialState as initialStock, InventoryRejection, totalOnHand, type StockState } from '@restock/inventory-domain';
import { stockEventMessage, warehouseCommand as stockCommandOf } from '@restock/inventory-adapters';
import { decide as decideSupply, evolve as evolveSupply, initialState as initialSupply, SupplyRejection, type SupplyState } from '@restock/supplier-receipts-domain';
import { purchaseOrderCommand, supplyEventMessage, warehouseCommand as supplyCommandOf } from '@restock/supplier-receipts-adapters';

/*
 * DESIGN.md's conservation across services: the warehouse's facts reach inventory (receipts,
 * shipments, counts, in order) and supplier-receipts (receipts, with purchasing's purchase orders),
 * and both send what they decided to the saga as the contract's JSON: a receipt once, as one
 * SupplyReceived that moves stock and pipeline together; shipments and counts as commutative deltas.
 * Each service reads its topics in batches of its own, and the saga takes its three inputs (supply,
 * inventory, demand) in any interleaving. Once everything is read, the saga's on hand must be
 * inventory's, inventory's must be receipts − shipments + count corrections, and the saga's
 * pipeline must be supplier-receipts' open purchase-order lines. Pure: nothing is stored or sent.
 */

const NUM_RUNS = 300;
const STEPS_PER_RUN = 100;
const SKUS = ['SKU-A', 'SKU-B'] as const;
const WAREHOUSES = ['WH-1', 'WH-2'] as const;
const MS_PER_MINUTE = 60_000;
const START_MS = Date.parse('2026-12-01T08:00:00Z');

const sku = fc.nat({ max: SKUS.length - 1 });
const warehouse = fc.nat({ max: WAREHOUSES.length - 1 });
const pick = fc.nat({ max: 1000 });

const stepArbitrary = fc.record({
  minutesLater: fc.integer({ min: 0, max: 240 }),
  action: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('receive' as const),
        sku,
        warehouse,
        quantity: fc.integer({ min: 1, max: 8 }),
        againstPurchaseOrder: fc.boolean(),
        pick,
        // A receipt reported again under another message id: the same fact, or a conflicting one.
        repeat: fc.constantFrom('no' as const, 'no' as const, 'no' as const, 'same' as const, 'conflicting' as const),
      }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('ship' as const), sku, warehouse, quantity: fc.integer({ min: 1, max: 5 }), pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('count' as const), sku, warehouse, counted: fc.integer({ min: 0, max: 10 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('placePurchaseOrder' as const), sku, quantity: fc.integer({ min: 1, max: 12 }), expectedInMinutes: fc.integer({ min: -1440, max: 10 * 1440 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('reschedulePurchaseOrder' as const), pick, expectedInMinutes: fc.integer({ min: -1440, max: 10 * 1440 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelPurchaseOrder' as const), pick }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('placeLine' as const), sku, quantity: fc.integer({ min: 1, max: 6 }) }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('inventoryBatch' as const), sku, count: fc.integer({ min: 1, max: 5 }) }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('supplyBatch' as const), sku, receipts: fc.nat({ max: 4 }), purchasing: fc.nat({ max: 4 }) }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('sagaBatch' as const), sku, takes: fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 6 }) }) },
  ),
});

type Step = typeof stepArbitrary extends fc.Arbitrary<infer S> ? S : never;
type Data = Record<string, unknown>;



/** A topic partition with a read position per consumer group. */
class Partition {
  readonly messages: CloudEvent[] = [];
  private readonly positions = new Map<string, number>();

  take(group: string, count: number): CloudEvent[] {
    const from = this.positions.get(group) ?? 0;
    const taken = this.messages.slice(from, from + count);
    this.positions.set(group, from + taken.length);
    return taken;
  }

  pending(group: string): number {
    return this.messages.length - (this.positions.get(group) ?? 0);
  }
}

function partitions(): Map<string, Partition> {
  return new Map(SKUS.map((skuId) => [skuId, new Partition()]));
}

class World {
  private clockMs = START_MS;
  private count = 0;
  readonly warehouseTopic = partitions();
  readonly purchasingTopic = partitions();
  readonly inventoryTopic = partitions();
  readonly supplyTopic = partitions();
  /** Per SKU, the saga's demand (the orders service's lines), in order. */
  readonly demand = new Map<string, SkuCommand[]>(SKUS.map((skuId) => [skuId, []]));
  readonly stock = new Map<string, StockState>(SKUS.map((skuId) => [skuId, initialStock()]));
  readonly supply = new Map<string, SupplyState>(SKUS.map((skuId) => [skuId, initialSupply()]));
  readonly saga = new Map<string, FulfillmentState>(SKUS.map((skuId) => [skuId, initialSkuState(skuId)]));
  /** What inventory recorded, for conservation: received, shipped and the count corrections. */
  readonly moved = new Map<string, { received: number; shipped: number; corrected: number }>(SKUS.map((skuId) => [skuId, { received: 0, shipped: 0, corrected: 0 }]));
  private readonly receipts: { sku: string; data: Data }[] = [];
  private readonly purchaseOrders: { sku: string; purchaseOrderId: string }[] = [];
  private readonly lines: { sku: string; orderId: string }[] = [];

  constructor() {
    for (const skuId of SKUS) {
      const now = this.now();
      this.sagaDecides(skuId, {
        type: 'DefineProduct',
        data: { name: 'Stool', backorderable: true, maxBackorderDays: 30, leadTimeDays: 5, onLimitExceeded: 'NOTIFY' },
        metadata: { now, inputId: randomUUID() },
      });
    }
  }

  private now(): string {
    return new Date(this.clockMs).toISOString();
  }

  private publish(partition: Partition, topic: string, type: string, data: Data): void {
    partition.messages.push(crossing(topic, { specversion: '1.0', id: randomUUID(), source: 'urn:test', type, time: this.now(), datacontenttype: 'application/json', data }));
  }

  run(step: Step): void {
    this.clockMs += step.minutesLater * MS_PER_MINUTE;
    this.count += 1;
    const action = step.action;
    switch (action.kind) {
      case 'receive': {
        const skuId = SKUS[action.sku];
        const earlier = this.receipts.length > 0 ? this.receipts[action.pick % this.receipts.length]! : undefined;
        if (action.repeat !== 'no' && earlier) {
          const data = action.repeat === 'same' ? earlier.data : { ...earlier.data, quantity: (earlier.data.quantity as number) + 1 };
          return this.publish(this.warehouseTopic.get(earlier.sku)!, TOPICS.warehouseEvents, 'GoodsReceived', data);
        }
        const against = action.againstPurchaseOrder ? this.purchaseOrders.filter((entry) => entry.sku === skuId) : [];
        const data: Data = { receiptId: `R${this.count}`, sku: skuId, quantity: action.quantity, warehouseId: WAREHOUSES[action.warehouse], receivedAt: this.now() };
        if (against.length > 0) data.purchaseOrderId = against[action.pick % against.length]!.purchaseOrderId;
        this.receipts.push({ sku: skuId, data });
        return this.publish(this.warehouseTopic.get(skuId)!, TOPICS.warehouseEvents, 'GoodsReceived', data);
      }
      case 'ship': {
        const skuId = SKUS[action.sku];
        const ofSku = this.lines.filter((entry) => entry.sku === skuId);
        const orderId = ofSku.length > 0 ? ofSku[action.pick % ofSku.length]!.orderId : `GHOST${this.count}`;
        const data = { shipmentId: `S${this.count}`, orderId, lineId: 'L1', sku: skuId, warehouseId: WAREHOUSES[action.warehouse], quantity: action.quantity, dispatchedAt: this.now() };
        return this.publish(this.warehouseTopic.get(skuId)!, TOPICS.warehouseEvents, 'ShipmentDispatched', data);
      }
      case 'count': {
        const skuId = SKUS[action.sku];
        const data = { countId: `C${this.count}`, sku: skuId, warehouseId: WAREHOUSES[action.warehouse], countedQuantity: action.counted, countedAt: this.now() };
        return this.publish(this.warehouseTopic.get(skuId)!, TOPICS.warehouseEvents, 'CycleCounted', data);
      }
      case 'placePurchaseOrder': {
        const skuId = SKUS[action.sku];
        const purchaseOrderId = `PO${this.count}`;
        this.purchaseOrders.push({ sku: skuId, purchaseOrderId });
        const expectedAt = new Date(this.clockMs + action.expectedInMinutes * MS_PER_MINUTE).toISOString();
        return this.publish(this.purchasingTopic.get(skuId)!, TOPICS.purchaseOrders, 'PurchaseOrderLinePlaced', { purchaseOrderId, sku: skuId, quantity: action.quantity, supplierId: 'SUP-1', expectedAt });
      }
      case 'reschedulePurchaseOrder': {
        if (this.purchaseOrders.length === 0) return;
        const { sku: skuId, purchaseOrderId } = this.purchaseOrders[action.pick % this.purchaseOrders.length]!;
        const expectedAt = new Date(this.clockMs + action.expectedInMinutes * MS_PER_MINUTE).toISOString();
        return this.publish(this.purchasingTopic.get(skuId)!, TOPICS.purchaseOrders, 'PurchaseOrderLineRescheduled', { purchaseOrderId, sku: skuId, expectedAt, reason: 'supplier' });
      }
      case 'cancelPurchaseOrder': {
        if (this.purchaseOrders.length === 0) return;
        const { sku: skuId, purchaseOrderId } = this.purchaseOrders[action.pick % this.purchaseOrders.length]!;
        return this.publish(this.purchasingTopic.get(skuId)!, TOPICS.purchaseOrders, 'PurchaseOrderLineCancelled', { purchaseOrderId, sku: skuId });
      }
      case 'placeLine': {
        const skuId = SKUS[action.sku];
        const orderId = `O${this.count}`;
        this.lines.push({ sku: skuId, orderId });
        this.demand.get(skuId)!.push({ sku: skuId, command: { type: 'PlaceLine', data: { orderId, lineId: 'L1', quantity: action.quantity, placedAt: this.now() }, metadata: { now: this.now(), inputId: randomUUID() } } });
        return;
      }
      case 'inventoryBatch':
        return this.inventoryReads(SKUS[action.sku], action.count);
      case 'supplyBatch':
        return this.supplyReads(SKUS[action.sku], action.receipts, action.purchasing);
      case 'sagaBatch':
        return this.sagaReads(SKUS[action.sku], action.takes);
      default: {
        const unknown: never = action;
        throw new Error(`unknown step ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Inventory reads the warehouse's facts in order and publishes what it decided. */
  private inventoryReads(skuId: string, count: number): void {
    for (const message of this.warehouseTopic.get(skuId)!.take('inventory', count)) {
      const causation = { inputId: message.id, time: message.time, command: stockCommandOf(message as WarehouseMessage) };
      let events;
      try {
        events = decideStock(causation.command, this.stock.get(skuId)!);
      } catch (error) {
        if (error instanceof InventoryRejection) continue; // dead-lettered
        throw error;
      }
      for (const event of events) {
        this.stock.set(skuId, evolveStock(this.stock.get(skuId)!, event));
        const moved = this.moved.get(skuId)!;
        if (event.type === 'StockReceived') moved.received += event.data.quantity;
        if (event.type === 'StockShipped') moved.shipped += event.data.quantity;
        if (event.type === 'StockCounted') moved.corrected += event.data.delta;
        const message = stockEventMessage({ id: randomUUID(), event, causation });
        this.inventoryTopic.get(skuId)!.messages.push(crossing(message.topic, message.value));
      }
    }
  }

  /** Supplier-receipts reads receipts and purchase orders, each topic in order, and publishes what it decided. */
  private supplyReads(skuId: string, receipts: number, purchasing: number): void {
    const taken = [
      ...this.warehouseTopic.get(skuId)!.take('supplier-receipts', receipts).map((message) => ({ message, command: supplyCommandOf(message as WarehouseMessage) })),
      ...this.purchasingTopic.get(skuId)!.take('supplier-receipts', purchasing).map((message) => ({ message, command: purchaseOrderCommand(message as PurchaseOrderMessage) })),
    ];
    for (const { message, command } of taken) {
      if (command === null) continue;
      const causation = { inputId: message.id, time: message.time, command };
      let events;
      try {
        events = decideSupply(command, this.supply.get(skuId)!);
      } catch (error) {
        if (error instanceof SupplyRejection) continue; // dead-lettered
        throw error;
      }
      for (const event of events) {
        this.supply.set(skuId, evolveSupply(this.supply.get(skuId)!, event));
        const published = supplyEventMessage({ id: randomUUID(), event, causation });
        this.supplyTopic.get(skuId)!.messages.push(crossing(published.topic, published.value));
      }
    }
  }

  /** The saga takes its inputs from supply (0), inventory (1) and demand (2) in the order given. */
  private sagaReads(skuId: string, takes: readonly number[]): void {
    for (const source of takes) {
      if (source === 2) {
        const next = this.demand.get(skuId)!.shift();
        if (next) this.sagaDecides(skuId, next.command);
        continue;
      }
      const [topic, partition] = source === 0 ? [TOPICS.supplyEvents, this.supplyTopic.get(skuId)!] : [TOPICS.inventoryEvents, this.inventoryTopic.get(skuId)!];
      for (const event of partition.take('fulfillment', 1)) {
        const command = toSkuCommand({ event, topic, partition: 0, message: { timestamp: '0' } } as unknown as ConsumedInput);
        if (command !== null) this.sagaDecides(skuId, command.command);
      }
    }
  }

  private sagaDecides(skuId: string, command: SkuCommand['command']): void {
    const state = this.saga.get(skuId)!;
    const decision = decideSku(command, state);
    if (decision.status === 'DECIDED') for (const event of decision.events) evolveSku(state, event);
  }

  /** Lets every message reach every reader. */
  drain(): void {
    for (;;) {
      let moved = false;
      for (const skuId of SKUS) {
        const warehouse = this.warehouseTopic.get(skuId)!;
        const purchasing = this.purchasingTopic.get(skuId)!;
        if (warehouse.pending('inventory') > 0) {
          this.inventoryReads(skuId, 3);
          moved = true;
        }
        if (warehouse.pending('supplier-receipts') > 0 || purchasing.pending('supplier-receipts') > 0) {
          this.supplyReads(skuId, 2, 2);
          moved = true;
        }
        const sagaPending = this.supplyTopic.get(skuId)!.pending('fulfillment') + this.inventoryTopic.get(skuId)!.pending('fulfillment') + this.demand.get(skuId)!.length;
        if (sagaPending > 0) {
          this.sagaReads(skuId, [1, 0, 2, 0, 1]);
          moved = true;
        }
      }
      if (!moved) return;
    }
  }

  checkConserved(): void {
    for (const skuId of SKUS) {
      const stock = this.stock.get(skuId)!;
      const moved = this.moved.get(skuId)!;
      const sagaLedger = ledger(this.saga.get(skuId)!);
      must(totalOnHand(stock) === moved.received - moved.shipped + moved.corrected, 'inventory: on hand = receipts - shipments + count corrections', { skuId, moved, onHand: totalOnHand(stock) });
      must(sagaLedger.onHand === totalOnHand(stock), "the saga's on hand is inventory's", { skuId, saga: sagaLedger.onHand, inventory: totalOnHand(stock) });
      must(sagaLedger.allocated >= 0 && sagaLedger.allocated <= Math.max(0, sagaLedger.onHand), 'no oversell', sagaLedger);
      const open = [...this.supply.get(skuId)!.lines.values()]
        .filter((line) => line.status === 'OPEN' && line.remainingQuantity > 0)
        .map((line) => ({ purchaseOrderId: line.purchaseOrderId, remainingQuantity: line.remainingQuantity, expectedAt: Date.parse(line.expectedAt) }))
        .sort((a, b) => a.purchaseOrderId.localeCompare(b.purchaseOrderId));
      const pipeline = sagaLedger.pipeline
        .filter((supply) => supply.remainingQuantity > 0)
        .map((supply) => ({ purchaseOrderId: supply.purchaseOrderId, remainingQuantity: supply.remainingQuantity, expectedAt: Date.parse(supply.expectedAt) }))
        .sort((a, b) => a.purchaseOrderId.localeCompare(b.purchaseOrderId));
      must(JSON.stringify(pipeline) === JSON.stringify(open), "the saga's pipeline is supplier-receipts' open purchase-order lines", { skuId, pipeline, open });
    }
  }
}

describe('stock and supply across inventory, supplier-receipts and the saga, over random runs', () => {
  it("agree once everything is read: the saga's on hand is inventory's, conserved, and its pipeline is the open purchase orders", () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: minSteps(), maxLength: STEPS_PER_RUN, size: 'max' }), (steps) => {
        const world = new World();
        runSteps(steps, (step) => world.run(step));
        world.drain();
        world.checkConserved();
      }),
      runOptions(NUM_RUNS),
    );
  });
});
