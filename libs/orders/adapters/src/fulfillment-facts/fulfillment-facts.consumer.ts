import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  FulfillmentLineFact,
  LINE_ALLOCATED,
  LINE_ALLOCATION_REVOKED,
  LINE_BACKORDER_AT_RISK,
  LINE_CANCELLED,
  LINE_DECIDED,
  LINE_ETA_CHANGED,
  LINE_SHIPPED,
  TOPICS,
} from '@restock/contracts';
import { ConsumedInput, HandlerOutcome, KafkaBatchContext } from '@restock/messaging';
import { LineFact } from '@restock/orders-domain';
import { runOrderCommands } from '../order-stream/order-batch';
import { OrderStates } from '../order-stream/order-states';

// The contract validated every field and refused unknown ones, so the data already has the
// domain's shape. The saga's ledger changes are on a topic of their own, not read here.
export function lineFactOf(event: FulfillmentLineFact): LineFact {
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
    default: {
      const unknown: never = event;
      throw new Error(`unknown fulfillment event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Turns the saga's facts about order lines into the customer's updates. */
@Controller()
export class FulfillmentFactsConsumer {
  constructor(private readonly orderStates: OrderStates) {}

  @EventPattern(TOPICS.fulfillmentEvents)
  async handle(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    const commands = inputs.map((input) => ({
      inputId: input.event.id,
      command: { type: 'RecordLineFact' as const, data: lineFactOf(input.event as FulfillmentLineFact), metadata: { inputId: input.event.id, now: input.event.time } },
    }));
    return runOrderCommands(context.transaction, commands, this.orderStates);
  }
}
