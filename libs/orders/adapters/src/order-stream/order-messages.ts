import {
  cloudEvent,
  CustomerUpdate as PublicCustomerUpdate,
  deterministicId,
  ORDER_LINE_CANCELLATION_REQUESTED,
  ORDER_LINE_PLACED,
  OrderLineCancellationRequestedData,
  OrderLinePlacedData,
  TOPICS,
} from '@restock/contracts';
import { OutboxMessage } from '@restock/event-store';
import { CustomerUpdate, OrderEvent, updatesOf } from '@restock/orders-domain';

export const SOURCE = 'restock/orders';

/**
 * CloudEvents already built for the updates of events decided in this process. A batch publishes
 * each update through the outbox and writes it to the order's history, both from the same decided
 * event, so the second use takes the first's event instead of hashing its id again. Only ever
 * serialized, never changed; entries go with their updates.
 */
const builtEvents = new WeakMap<CustomerUpdate, PublicCustomerUpdate>();

/** The public CloudEvent of a customer update: id, time and causation all follow from its cause. */
export function customerUpdateEvent(update: CustomerUpdate): PublicCustomerUpdate {
  let built = builtEvents.get(update);
  if (built === undefined) {
    built = cloudEvent({
      id: deterministicId(...update.idParts),
      source: SOURCE,
      type: update.type,
      time: update.cause.time,
      data: update.data,
      causationid: update.cause.inputId,
    }) as PublicCustomerUpdate;
    builtEvents.set(update, built);
  }
  return built;
}

function linesPlaced(event: Extract<OrderEvent, { type: 'OrderPlaced' }>): OutboxMessage[] {
  const { orderId, customerId, placedAt, lines, cause } = event.data;
  return lines.map((line) => {
    const data: OrderLinePlacedData = { orderId, lineId: line.lineId, sku: line.sku, quantity: line.quantity, placedAt, customerId };
    const id = deterministicId(cause.inputId, ORDER_LINE_PLACED, line.lineId);
    return {
      topic: TOPICS.orderEvents,
      key: line.sku,
      value: cloudEvent({ id, source: SOURCE, type: ORDER_LINE_PLACED, time: cause.time, data, causationid: cause.inputId }),
    };
  });
}

function cancellationRequested(event: Extract<OrderEvent, { type: 'LineCancellationRequested' }>): OutboxMessage {
  const { orderId, lineId, sku, reason, cause } = event.data;
  const data: OrderLineCancellationRequestedData = { orderId, lineId, sku, reason };
  const id = deterministicId(cause.inputId, ORDER_LINE_CANCELLATION_REQUESTED, lineId);
  return {
    topic: TOPICS.orderEvents,
    key: sku,
    value: cloudEvent({ id, source: SOURCE, type: ORDER_LINE_CANCELLATION_REQUESTED, time: cause.time, data, causationid: cause.inputId }),
  };
}

/**
 * What an order event publishes: demand re-keyed by SKU for the saga, or the updates to the
 * customer a saga fact issued, keyed by order id.
 */
export function outboxMessagesOf(event: OrderEvent): OutboxMessage[] {
  switch (event.type) {
    case 'OrderPlaced':
      return linesPlaced(event);
    case 'LineCancellationRequested':
      return [cancellationRequested(event)];
    case 'LineFactRecorded':
    case 'CustomerUpdateIssued':
      return updatesOf(event).map((update) => ({ topic: TOPICS.customerUpdates, key: event.data.orderId, value: customerUpdateEvent(update) }));
    default: {
      const unknown: never = event;
      throw new Error(`unknown order event ${JSON.stringify(unknown)}`);
    }
  }
}
