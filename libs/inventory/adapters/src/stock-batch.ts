import { cloudEvent, deterministicId, STOCK_COUNTED, STOCK_RECEIVED, STOCK_SHIPPED, TOPICS, WarehouseMessage } from '@restock/contracts';
import { appendToStreams, assertIdentifier, enqueue, OutboxMessage, prepared, Queryable, runPrepared, StoredEvent } from '@restock/event-store';
import { ConsumedInput, HandlerOutcome, Rejection } from '@restock/messaging';
import { decide, evolve, initialState, InventoryRejection, StockCommand, StockEvent, StockState, warehouseFactOf } from '@restock/inventory-domain';

export const SOURCE = 'restock/inventory';

export interface InputCommand {
  readonly inputId: string;
  readonly time: string;
  readonly command: StockCommand;
}

export interface DecidedStockEvent {
  readonly id: string;
  readonly event: StockEvent;
  readonly causation: InputCommand;
}

export const STOCK_STREAM_PREFIX = 'sku-stock:';

export function streamIdOf(sku: string): string {
  return `${STOCK_STREAM_PREFIX}${sku}`;
}

/** The command a warehouse input asks for. */
export function warehouseCommand(message: WarehouseMessage): StockCommand {
  const metadata = { now: message.time };
  switch (message.type) {
    case 'GoodsReceived': {
      const { receiptId, sku, warehouseId, quantity, receivedAt } = message.data;
      return { type: 'ReceiveGoods', data: { receiptId, sku, warehouseId, quantity, receivedAt }, metadata };
    }
    case 'ShipmentDispatched': {
      const { shipmentId, orderId, lineId, sku, warehouseId, quantity, dispatchedAt } = message.data;
      return { type: 'DispatchShipment', data: { shipmentId, orderId, lineId, sku, warehouseId, quantity, dispatchedAt }, metadata };
    }
    case 'CycleCounted': {
      const { countId, sku, warehouseId, countedQuantity, countedAt } = message.data;
      return { type: 'CountStock', data: { countId, sku, warehouseId, countedQuantity, countedAt }, metadata };
    }
    default: {
      const unknown: never = message;
      throw new Error(`unknown warehouse message ${JSON.stringify(unknown)}`);
    }
  }
}

export function inputCommand(input: ConsumedInput): InputCommand {
  return { inputId: input.event.id, time: input.event.time, command: warehouseCommand(input.event as WarehouseMessage) };
}

interface LoadedStock {
  readonly version: number;
  readonly state: StockState;
}

const LOAD_STOCKS = prepared(
  'restock_load_stocks',
  `SELECT k.sku,
     COALESCE((SELECT version FROM streams WHERE stream_id = 'sku-stock:' || k.sku), 0) AS version,
     COALESCE((SELECT json_object_agg(w.warehouse_id, w.on_hand) FROM warehouse_stock w WHERE w.sku = k.sku), '{}') AS on_hand,
     COALESCE((SELECT json_object_agg(f.fact_key, f.fingerprint) FROM stock_facts f WHERE f.sku = k.sku AND f.fact_key = ANY($2::text[])), '{}') AS facts
   FROM unnest($1::text[]) AS k(sku)`,
);

/**
 * Loads, in one query, each SKU's stream version, its on hand per warehouse and which of the
 * batch's facts it has already recorded. The rows are written in the same transaction as the
 * stream, so they are the state at that version.
 */
async function loadStocks(tx: Queryable, skus: readonly string[], factKeys: readonly string[]): Promise<Map<string, LoadedStock>> {
  const result = await runPrepared<{ sku: string; version: number; on_hand: Record<string, string | number>; facts: Record<string, string> }>(
    tx,
    LOAD_STOCKS,
    [skus, factKeys],
  );
  return new Map(
    result.rows.map((row) => [
      row.sku,
      {
        version: row.version,
        state: {
          onHandByWarehouse: new Map(Object.entries(row.on_hand).map(([warehouseId, onHand]) => [warehouseId, Number(onHand)])),
          recordedFacts: new Map(Object.entries(row.facts)),
        },
      },
    ]),
  );
}

/** Maps a domain event to the public inventory event the saga reads. */
export function stockEventMessage({ id, event, causation }: DecidedStockEvent): OutboxMessage {
  const envelope = { id, source: SOURCE, time: causation.time, causationid: causation.inputId };
  const value = (() => {
    switch (event.type) {
      case 'StockReceived':
        return cloudEvent({ ...envelope, type: STOCK_RECEIVED, data: event.data });
      case 'StockShipped':
        return cloudEvent({ ...envelope, type: STOCK_SHIPPED, data: event.data });
      case 'StockCounted':
        return cloudEvent({ ...envelope, type: STOCK_COUNTED, data: event.data });
      default: {
        const unknown: never = event;
        throw new Error(`unknown stock event ${JSON.stringify(unknown)}`);
      }
    }
  })();
  return { topic: TOPICS.inventoryEvents, key: event.data.sku, value };
}

/**
 * Writes the on hand of every warehouse the events moved, as the states now say, and the facts
 * they recorded. `suffix` names the copy of the tables: '' live, `_rebuild` during a replay.
 */
async function saveStock(tx: Queryable, events: readonly StockEvent[], states: ReadonlyMap<string, StockState>, suffix = ''): Promise<void> {
  const touched = new Map<string, { sku: string; warehouseId: string }>();
  for (const event of events) touched.set(`${event.data.sku}\n${event.data.warehouseId}`, { sku: event.data.sku, warehouseId: event.data.warehouseId });
  if (touched.size === 0) return;
  const rows = [...touched.values()].map(({ sku, warehouseId }) => ({ sku, warehouseId, onHand: states.get(sku)!.onHandByWarehouse.get(warehouseId) ?? 0 }));
  await tx.query(
    `INSERT INTO ${assertIdentifier(`warehouse_stock${suffix}`)} (sku, warehouse_id, on_hand)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (sku, warehouse_id) DO UPDATE SET on_hand = EXCLUDED.on_hand`,
    [rows.map((row) => row.sku), rows.map((row) => row.warehouseId), rows.map((row) => row.onHand)],
  );
  const facts = events.map((event) => ({ sku: event.data.sku, ...warehouseFactOf(event) }));
  await tx.query(
    `INSERT INTO ${assertIdentifier(`stock_facts${suffix}`)} (sku, fact_key, fingerprint) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    [facts.map((fact) => fact.sku), facts.map((fact) => fact.key), facts.map((fact) => fact.fingerprint)],
  );
}

/**
 * Applies stored stock events to `warehouse_stock<suffix>` and `stock_facts<suffix>` exactly as
 * the live path writes them: the on hand of the SKUs the events name is loaded from the tables,
 * each event evolves it, and the rows are written with the live path's statements.
 */
export async function projectStockEvents(tx: Queryable, stored: readonly StoredEvent[], suffix: string): Promise<void> {
  const events = stored.filter((event) => event.streamId.startsWith(STOCK_STREAM_PREFIX)).map((event) => ({ type: event.type, data: event.data }) as StockEvent);
  if (events.length === 0) return;
  const skus = [...new Set(events.map((event) => event.data.sku))];
  const loaded = await tx.query<{ sku: string; warehouse_id: string; on_hand: string }>(
    `SELECT sku, warehouse_id, on_hand FROM ${assertIdentifier(`warehouse_stock${suffix}`)} WHERE sku = ANY($1::text[])`,
    [skus],
  );
  const states = new Map<string, StockState>(skus.map((sku) => [sku, initialState()]));
  for (const row of loaded.rows) {
    const state = states.get(row.sku)!;
    states.set(row.sku, { ...state, onHandByWarehouse: new Map(state.onHandByWarehouse).set(row.warehouse_id, Number(row.on_hand)) });
  }
  for (const event of events) states.set(event.data.sku, evolve(states.get(event.data.sku)!, event));
  await saveStock(tx, events, states, suffix);
}

/**
 * Handles one batch of warehouse inputs: loads the stock of every SKU it names in one query,
 * decides each command in input order, then appends all streams, updates the read models and
 * enqueues the public events with a few multi-row statements.
 */
export async function handleStockBatch(tx: Queryable, commands: readonly InputCommand[]): Promise<HandlerOutcome> {
  const skus = [...new Set(commands.map(({ command }) => command.data.sku))];
  const loaded = await loadStocks(tx, skus, [...new Set(commands.map(({ command }) => warehouseFactOf(command).key))]);
  const states = new Map([...loaded].map(([sku, stock]) => [sku, stock.state]));
  const decided: DecidedStockEvent[] = [];
  const rejected: Rejection[] = [];
  for (const causation of commands) {
    const sku = causation.command.data.sku;
    try {
      const events = decide(causation.command, states.get(sku)!);
      states.set(sku, events.reduce(evolve, states.get(sku)!));
      for (const event of events) decided.push({ id: deterministicId(causation.inputId, event.type, warehouseFactOf(event).key), event, causation });
    } catch (error) {
      if (!(error instanceof InventoryRejection)) throw error;
      rejected.push({ inputId: causation.inputId, reason: { code: 'CONFLICTING_DUPLICATE', message: error.message } });
    }
  }
  await appendToStreams(
    tx,
    skus.map((sku) => ({
      streamId: streamIdOf(sku),
      expectedVersion: loaded.get(sku)!.version,
      events: decided
        .filter(({ event }) => event.data.sku === sku)
        .map(({ id, event, causation }) => ({ id, type: event.type, data: event.data, metadata: { causationId: causation.inputId, now: causation.time } })),
    })),
  );
  await saveStock(tx, decided.map(({ event }) => event), states);
  await enqueue(tx, decided.map(stockEventMessage));
  return { rejected };
}
