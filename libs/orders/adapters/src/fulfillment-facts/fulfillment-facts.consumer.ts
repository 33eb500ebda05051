import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  FulfillmentEvent,
  LINE_ALLOCATED,
  LINE_ALLOCATION_REVOKED,
  LINE_BACKORDER_AT_RISK,
  LINE_CANCELLED,
  LINE_DECIDED,
  LINE_ETA_CHANGED,
  LINE_SHIPPED,
  SKU_LEDGER_CHANGED,
  TOPICS,
} from '@restock/contracts';
import { ConsumedInput, HandlerOutcome, KafkaBatchContext, KafkaHandlerExtras } from '@restock/messaging';
import { LineFact } from '@restock/orders-domain';
import { runOrderCommands } from '../order-stream/order-batch';
import { OrderStates } from '../order-stream/order-states';

// The contract validated every field and refused unknown ones, so the data already has the
// domain's shape; a ledger change is about stock, not about an order, and is not for this service.
function lineFactOf(event: FulfillmentEvent): LineFact | null {
  switch (event.type) {
    case LINE_DECIDED:
      return { type: 'LineDecided', data: event.data };
    case LINE_ALLOCATED:
      return { type: 'LineAllocated', data: event.data };
    case LINE_ALLOCATION_REVOKED:
      return { type: 'LineAllocationRevoked', data: event.data };
    case LINE_ETA_CHANGED:
      return { type: 'LineEtaChanged', data: event.data };
    case LINE_BACKORDER_AT_RISK:
      return { type: 'LineBackorderAtRisk', data: event.data };
    case LINE_CANCELLED:
      return { type: 'LineCancelled', data: event.data };
    case LINE_SHIPPED:
      return { type: 'LineShipped', data: event.data };
    case SKU_LEDGER_CHANGED:
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`unknown fulfillment event ${JSON.stringify(unknown)}`);
    }
  }
}

/** The saga's facts this service takes: those about order lines. A ledger change is passed over unrecorded. */
export const ORDER_LINE_FACTS: KafkaHandlerExtras = {
  types: [LINE_DECIDED, LINE_ALLOCATED, LINE_ALLOCATION_REVOKED, LINE_ETA_CHANGED, LINE_BACKORDER_AT_RISK, LINE_CANCELLED, LINE_SHIPPED],
};

/** Turns the saga's facts about order lines into the customer's updates. */
@Controller()
export class FulfillmentFactsConsumer {
  constructor(private readonly orderStates: OrderStates) {}

  @EventPattern(TOPICS.fulfillmentEvents, ORDER_LINE_FACTS)
  async handle(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    const commands = inputs.flatMap((input) => {
      const fact = lineFactOf(input.event as FulfillmentEvent);
      if (fact === null) return [];
      return [{ inputId: input.event.id, command: { type: 'RecordLineFact' as const, data: fact, metadata: { inputId: input.event.id, now: input.event.time } } }];
    });
    return runOrderCommands(context.transaction, commands, this.orderStates);
  }
}
