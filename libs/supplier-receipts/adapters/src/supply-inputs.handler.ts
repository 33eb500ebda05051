import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { GOODS_RECEIVED, PurchaseOrderMessage, TOPICS, WarehouseMessage } from '@restock/contracts';
import { ConsumedInput, HandlerOutcome, KafkaBatchContext } from '@restock/messaging';
import { handleSupplyBatch, inputCommand, purchaseOrderCommand, warehouseCommand } from './supply-batch';

/** The service's Kafka inputs: purchase-order lines from purchasing, receipts from the warehouse. */
@Controller()
export class SupplyInputsHandler {
  @EventPattern(TOPICS.purchaseOrders)
  onPurchaseOrders(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    const commands = inputs.map((input) => inputCommand(input, purchaseOrderCommand(input.event as PurchaseOrderMessage)));
    return handleSupplyBatch(context.transaction, commands);
  }

  // Receipts only: shipments and counts are inventory's, passed over here unrecorded.
  @EventPattern(TOPICS.warehouseEvents, { types: [GOODS_RECEIVED] })
  onWarehouseEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    const commands = inputs.flatMap((input) => {
      const command = warehouseCommand(input.event as WarehouseMessage);
      return command === null ? [] : [inputCommand(input, command)];
    });
    return handleSupplyBatch(context.transaction, commands);
  }
}
