import {
  cloudEvent,
  deterministicId,
  PurchaseOrderMessage,
  SUPPLY_CANCELLED,
  SUPPLY_EXPECTED,
  SUPPLY_RECEIVED,
  SUPPLY_RESCHEDULED,
  TOPICS,
  WarehouseMessage,
} from '@restock/contracts';
import { appendToStreams, enqueue, OutboxMessage, Queryable } from '@restock/event-store';
import { ConsumedInput, HandlerOutcome, Rejection } from '@restock/messaging';
import { decide, evolve, PurchaseOrderLine, SupplyCommand, SupplyEvent, SupplyRejection, SupplyState } from '@restock/supplier-receipts-domain';
import { loadSupplies, recordHistory, saveLines, streamIdOf } from './sku-supply-store';

export const SOURCE = 'restock/supplier-receipts';

export interface InputCommand {
  readonly inputId: string;
  readonly time: string;
  readonly command: SupplyCommand;
}

export interface DecidedSupplyEvent {
  readonly id: string;
  readonly event: SupplyEvent;
  readonly causation: InputCommand;
}

/** The command a purchasing input asks for. */
export function purchaseOrderCommand(message: PurchaseOrderMessage): SupplyCommand {
  const metadata = { now: message.time };
  switch (message.type) {
    case 'PurchaseOrderLinePlaced': {
      const { purchaseOrderId, sku, quantity, supplierId, expectedAt } = message.data;
      return { type: 'PlacePurchaseOrderLine', data: { purchaseOrderId, sku, quantity, supplierId, expectedAt }, metadata };
    }
    case 'PurchaseOrderLineRescheduled': {
      const { purchaseOrderId, sku, expectedAt, reason } = message.data;
      return { type: 'ReschedulePurchaseOrderLine', data: { purchaseOrderId, sku, expectedAt, reason: reason ?? null }, metadata };
    }
    case 'PurchaseOrderLineCancelled':
      return { type: 'CancelPurchaseOrderLine', data: { purchaseOrderId: message.data.purchaseOrderId, sku: message.data.sku }, metadata };
    default: {
      const unknown: never = message;
      throw new Error(`unknown purchasing message ${JSON.stringify(unknown)}`);
    }
  }
}

/** The command a warehouse input asks for; shipments and counts are the inventory service's business. */
export function warehouseCommand(message: WarehouseMessage): SupplyCommand | null {
  switch (message.type) {
    case 'GoodsReceived': {
      const { receiptId, sku, warehouseId, quantity, receivedAt, purchaseOrderId } = message.data;
      return {
        type: 'RecordGoodsReceipt',
        data: { receiptId, sku, warehouseId, quantity, receivedAt, purchaseOrderId: purchaseOrderId ?? null },
        metadata: { now: message.time },
      };
    }
    case 'ShipmentDispatched':
    case 'CycleCounted':
      return null;
    default: {
      const unknown: never = message;
      throw new Error(`unknown warehouse message ${JSON.stringify(unknown)}`);
    }
  }
}

function entityOf(event: SupplyEvent): string {
  return event.type === 'SupplyReceived' ? event.data.receiptId : event.data.purchaseOrderId;
}

/** Maps a domain event to the public supply event the saga and inventory read. */
export function supplyEventMessage({ id, event, causation }: DecidedSupplyEvent): OutboxMessage {
  const envelope = { id, source: SOURCE, time: causation.time, causationid: causation.inputId };
  const value = (() => {
    switch (event.type) {
      case 'SupplyExpected': {
        const { purchaseOrderId, sku, supplierId, orderedQuantity, expectedAt } = event.data;
        return cloudEvent({ ...envelope, type: SUPPLY_EXPECTED, data: { purchaseOrderId, sku, supplierId, orderedQuantity, remainingQuantity: orderedQuantity, expectedAt } });
      }
      case 'SupplyRescheduled': {
        const { purchaseOrderId, sku, expectedAt, previousExpectedAt, reason, remainingQuantity } = event.data;
        return cloudEvent({ ...envelope, type: SUPPLY_RESCHEDULED, data: { purchaseOrderId, sku, expectedAt, previousExpectedAt, reason, remainingQuantity } });
      }
      case 'SupplyCancelled': {
        const { purchaseOrderId, sku, cancelledQuantity } = event.data;
        return cloudEvent({ ...envelope, type: SUPPLY_CANCELLED, data: { purchaseOrderId, sku, cancelledQuantity } });
      }
      case 'SupplyReceived': {
        const { receiptId, sku, warehouseId, quantity, receivedAt, purchaseOrderId, pipelineReduction, unplanned } = event.data;
        return cloudEvent({ ...envelope, type: SUPPLY_RECEIVED, data: { receiptId, sku, warehouseId, quantity, receivedAt, purchaseOrderId, pipelineReduction, unplanned } });
      }
      default: {
        const unknown: never = event;
        throw new Error(`unknown supply event ${JSON.stringify(unknown)}`);
      }
    }
  })();
  return { topic: TOPICS.supplyEvents, key: event.data.sku, value };
}

function rejectionOf(inputId: string, error: SupplyRejection): Rejection {
  const code = error.code === 'SUPPLY.CONFLICTING_DUPLICATE' ? 'CONFLICTING_DUPLICATE' : 'REJECTED';
  return { inputId, reason: { code, message: error.message } };
}

function referencedIds(commands: readonly InputCommand[]) {
  const skus = new Set<string>();
  const purchaseOrderIds = new Set<string>();
  const receiptIds = new Set<string>();
  for (const { command } of commands) {
    skus.add(command.data.sku);
    if (command.type === 'RecordGoodsReceipt') receiptIds.add(command.data.receiptId);
    if (command.data.purchaseOrderId !== null) purchaseOrderIds.add(command.data.purchaseOrderId);
  }
  return { skus: [...skus], purchaseOrderIds: [...purchaseOrderIds], receiptIds: [...receiptIds] };
}

/**
 * Handles one batch of inputs: loads the supply of every SKU it names in one query, decides each
 * command in input order against the state the earlier ones left, then appends all streams,
 * updates the read model and enqueues the public events with a few multi-row statements.
 */
export async function handleSupplyBatch(tx: Queryable, commands: readonly InputCommand[]): Promise<HandlerOutcome> {
  if (commands.length === 0) return {};
  const { skus, purchaseOrderIds, receiptIds } = referencedIds(commands);
  const loaded = await loadSupplies(tx, skus, purchaseOrderIds, receiptIds);
  const states = new Map<string, SupplyState>([...loaded].map(([sku, supply]) => [sku, supply.state]));
  const decided: DecidedSupplyEvent[] = [];
  const rejected: Rejection[] = [];
  for (const causation of commands) {
    const sku = causation.command.data.sku;
    try {
      const events = decide(causation.command, states.get(sku)!);
      states.set(sku, events.reduce(evolve, states.get(sku)!));
      for (const event of events) decided.push({ id: deterministicId(causation.inputId, event.type, entityOf(event)), event, causation });
    } catch (error) {
      if (!(error instanceof SupplyRejection)) throw error;
      rejected.push(rejectionOf(causation.inputId, error));
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
  await saveLines(tx, changedLines(decided, states));
  await recordHistory(tx, decided);
  await enqueue(tx, decided.map(supplyEventMessage));
  return { rejected };
}

/** The lines the events changed, as the states now hold them, with the placement time of the new ones. */
export function changedLines(
  decided: readonly { readonly event: SupplyEvent }[],
  states: ReadonlyMap<string, SupplyState>,
): { line: PurchaseOrderLine; placedAt: string | null }[] {
  const placedAt = new Map<string, string>();
  const changed = new Map<string, PurchaseOrderLine>();
  for (const { event } of decided) {
    if (event.type === 'SupplyExpected') placedAt.set(`${event.data.sku}\n${event.data.purchaseOrderId}`, event.data.placedAt);
    const purchaseOrderId = event.type === 'SupplyReceived' ? (event.data.unplanned ? null : event.data.purchaseOrderId) : event.data.purchaseOrderId;
    if (purchaseOrderId === null) continue;
    changed.set(`${event.data.sku}\n${purchaseOrderId}`, states.get(event.data.sku)!.lines.get(purchaseOrderId)!);
  }
  return [...changed].map(([key, line]) => ({ line, placedAt: placedAt.get(key) ?? null }));
}

export function inputCommand(input: ConsumedInput, command: SupplyCommand): InputCommand {
  return { inputId: input.event.id, time: input.event.time, command };
}
