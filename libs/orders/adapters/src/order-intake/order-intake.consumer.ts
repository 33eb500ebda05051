import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EcommerceOrderMessage, ORDER_CANCELLED, ORDER_PLACED, TOPICS } from '@restock/contracts';
import { ConsumedInput, HandlerOutcome, KafkaBatchContext } from '@restock/messaging';
import { OrderCommand } from '@restock/orders-domain';
import { runOrderCommands } from '../order-stream/order-batch';
import { OrderStates } from '../order-stream/order-states';

/** The order command an e-commerce platform's message (already validated) asks for. */
export function orderCommandOf(message: EcommerceOrderMessage): OrderCommand {
  const metadata = { inputId: message.id, now: message.time };
  switch (message.type) {
    case ORDER_PLACED: {
      const { orderId, customerId, placedAt, lines } = message.data;
      const placedLines = lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
      return { type: 'PlaceOrder', data: { orderId, customerId, placedAt, lines: placedLines }, metadata };
    }
    case ORDER_CANCELLED:
      return {
        type: 'CancelOrder',
        data: { orderId: message.data.orderId, lineIds: message.data.lineIds ?? null, reason: message.data.reason ?? null },
        metadata,
      };
    default: {
      const unknown: never = message;
      throw new Error(`unknown e-commerce order message ${JSON.stringify(unknown)}`);
    }
  }
}

/** Takes orders and cancellations in from the e-commerce platform (and from this service's HTTP API). */
@Controller()
export class OrderIntakeConsumer {
  constructor(private readonly orderStates: OrderStates) {}

  @EventPattern(TOPICS.ecommerceOrders)
  async handle(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    const commands = inputs.map((input) => ({ inputId: input.event.id, command: orderCommandOf(input.event as EcommerceOrderMessage) }));
    return runOrderCommands(context.transaction, commands, this.orderStates);
  }
}
