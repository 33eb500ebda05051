import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { SupplyEvent, TOPICS } from '@restock/contracts';
import { ConsumedInput, HandlerOutcome, KafkaBatchContext } from '@restock/messaging';
import { projectSkuLedgerChanges } from './sku-ledger-projection';
import { handleStockBatch, inputCommand } from './stock-batch';
import { projectSupplyEvents } from './supply-pipeline-projection';

/**
 * The service's Kafka inputs: receipts, shipments and counts from the warehouse (one stream, so a
 * count lands exactly where it happened), the supply pipeline, and the saga's ledger figures.
 */
@Controller()
export class InventoryInputsHandler {
  @EventPattern(TOPICS.warehouseEvents)
  onWarehouseEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    return handleStockBatch(context.transaction, inputs.map(inputCommand));
  }

  @EventPattern(TOPICS.supplyEvents)
  async onSupplyEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    await projectSupplyEvents(context.transaction, inputs.map((input) => input.event as SupplyEvent));
  }

  @EventPattern(TOPICS.fulfillmentEvents)
  async onFulfillmentEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    await projectSkuLedgerChanges(context.transaction, inputs.map((input) => input.event));
  }
}
