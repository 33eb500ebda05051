/**
 * The physical stock of one SKU in each warehouse, moved only by what the warehouse reports:
 * receipts add, shipments take away (even below zero: the warehouse's word is a fact), and a
 * cycle count sets a warehouse's on hand, recorded as a correction with its delta.
 */

export interface Metadata {
  /** The CloudEvents `time` of the input: the only clock the domain knows. */
  readonly now: string;
}

/** A warehouse fact already recorded: its key (kind and id) and a fingerprint of its data. */
export interface RecordedFact {
  readonly key: string;
  readonly fingerprint: string;
}

/**
 * What the decider knows of one SKU. The adapter may load only the facts a batch of commands
 * names: deciding whether a fact is a repeat reads nothing else.
 */
export interface StockState {
  readonly onHandByWarehouse: ReadonlyMap<string, number>;
  readonly recordedFacts: ReadonlyMap<string, string>;
}

interface Command<Type extends string, Data> {
  readonly type: Type;
  readonly data: Readonly<Data>;
  readonly metadata: Metadata;
}

export type ReceiveGoods = Command<'ReceiveGoods', { receiptId: string; sku: string; warehouseId: string; quantity: number; receivedAt: string }>;
export type DispatchShipment = Command<
  'DispatchShipment',
  { shipmentId: string; orderId: string; lineId: string; sku: string; warehouseId: string; quantity: number; dispatchedAt: string }
>;
export type CountStock = Command<'CountStock', { countId: string; sku: string; warehouseId: string; countedQuantity: number; countedAt: string }>;

export type StockCommand = ReceiveGoods | DispatchShipment | CountStock;

export type StockReceived = { readonly type: 'StockReceived'; readonly data: ReceiveGoods['data'] };
export type StockShipped = { readonly type: 'StockShipped'; readonly data: DispatchShipment['data'] };
export type StockCounted = {
  readonly type: 'StockCounted';
  readonly data: CountStock['data'] & { readonly previousOnHand: number; readonly delta: number };
};

export type StockEvent = StockReceived | StockShipped | StockCounted;

export type InventoryRejectionCode = 'INVENTORY.CONFLICTING_DUPLICATE';

/** A business rejection: the command is refused and nothing changes. The message starts with the code. */
export class InventoryRejection extends Error {
  constructor(
    readonly code: InventoryRejectionCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'InventoryRejection';
  }
}

export function initialState(): StockState {
  return { onHandByWarehouse: new Map(), recordedFacts: new Map() };
}

export function onHandOf(state: StockState, warehouseId: string): number {
  return state.onHandByWarehouse.get(warehouseId) ?? 0;
}

export function totalOnHand(state: StockState): number {
  let total = 0;
  for (const onHand of state.onHandByWarehouse.values()) total += onHand;
  return total;
}

function instantMs(timestamp: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${timestamp}`);
  return ms;
}

/**
 * The identity and the fingerprint of the warehouse fact behind a command or an event. Timestamps
 * enter as instants, so the same fact written with another offset is still the same fact.
 */
export function warehouseFactOf(message: StockCommand | StockEvent): RecordedFact {
  switch (message.type) {
    case 'ReceiveGoods':
    case 'StockReceived': {
      const { receiptId, sku, warehouseId, quantity, receivedAt } = message.data;
      return { key: `receipt:${receiptId}`, fingerprint: JSON.stringify([sku, warehouseId, quantity, instantMs(receivedAt)]) };
    }
    case 'DispatchShipment':
    case 'StockShipped': {
      const { shipmentId, orderId, lineId, sku, warehouseId, quantity, dispatchedAt } = message.data;
      return { key: `shipment:${shipmentId}`, fingerprint: JSON.stringify([orderId, lineId, sku, warehouseId, quantity, instantMs(dispatchedAt)]) };
    }
    case 'CountStock':
    case 'StockCounted': {
      const { countId, sku, warehouseId, countedQuantity, countedAt } = message.data;
      return { key: `count:${countId}`, fingerprint: JSON.stringify([sku, warehouseId, countedQuantity, instantMs(countedAt)]) };
    }
    default: {
      const unknown: never = message;
      throw new Error(`unknown message ${JSON.stringify(unknown)}`);
    }
  }
}

function assertQuantity(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got ${value}`);
}

function decideFact(command: StockCommand, state: StockState): StockEvent[] {
  switch (command.type) {
    case 'ReceiveGoods':
      assertQuantity(command.data.quantity, 'quantity', 1);
      return [{ type: 'StockReceived', data: command.data }];
    case 'DispatchShipment':
      assertQuantity(command.data.quantity, 'quantity', 1);
      return [{ type: 'StockShipped', data: command.data }];
    case 'CountStock': {
      assertQuantity(command.data.countedQuantity, 'countedQuantity', 0);
      const previousOnHand = onHandOf(state, command.data.warehouseId);
      // Recorded even when nothing changed: the count is a fact, and the saga ignores a zero delta.
      return [{ type: 'StockCounted', data: { ...command.data, previousOnHand, delta: command.data.countedQuantity - previousOnHand } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function decide(command: StockCommand, state: StockState): StockEvent[] {
  const fact = warehouseFactOf(command);
  const recorded = state.recordedFacts.get(fact.key);
  // A fact reported again, under another input id, moves no stock the second time.
  if (recorded === fact.fingerprint) return [];
  if (recorded !== undefined) throw new InventoryRejection('INVENTORY.CONFLICTING_DUPLICATE', `${fact.key} was already recorded with different data`);
  return decideFact(command, state);
}

function newOnHand(state: StockState, event: StockEvent): number {
  switch (event.type) {
    case 'StockReceived':
      return onHandOf(state, event.data.warehouseId) + event.data.quantity;
    case 'StockShipped':
      return onHandOf(state, event.data.warehouseId) - event.data.quantity;
    case 'StockCounted':
      return event.data.countedQuantity;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolve(state: StockState, event: StockEvent): StockState {
  const fact = warehouseFactOf(event);
  return {
    onHandByWarehouse: new Map(state.onHandByWarehouse).set(event.data.warehouseId, newOnHand(state, event)),
    recordedFacts: new Map(state.recordedFacts).set(fact.key, fact.fingerprint),
  };
}
