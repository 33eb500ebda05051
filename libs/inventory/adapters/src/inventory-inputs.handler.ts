import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@restock/contracts';
import { ConsumedInput, HandlerOutcome, KafkaBatchContext } from '@restock/messaging';
import { recordSkuLedgerChanges } from './sku-ledger-projection';
import { handleStockBatch, inputCommand } from './stock-batch';
import { recordSupplyFacts } from './supply-pipeline-projection';

/**
 * The service's Kafka inputs: receipts, shipments and counts from the warehouse (one stream, so a
 * count lands exactly where it happened), the supply pipeline, and the saga's ledger figures.
 * Each is recorded in this service's event store together with the read model it moves.
 */
@Controller()
export class InventoryInputsHandler {
  @EventPattern(TOPICS.warehouseEvents)
  onWarehouseEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    return handleStockBatch(context.transaction, inputs.map(inputCommand));
  }

  @EventPattern(TOPICS.supplyEvents)
  async onSupplyEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    await recordSupplyFacts(context.transaction, inputs);
  }

  @EventPattern(TOPICS.fulfillmentEvents)
  async onFulfillmentEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    await recordSkuLedgerChanges(context.transaction, inputs);
  }
}
