import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@restock/contracts';
import { ConsumedInput, HandlerOutcome, KafkaBatchContext } from '@restock/messaging';
import { ledgerPlanningFactsOf, projectPlanningFacts, recordPlanningFacts, supplierFactsOf } from './planning-facts';
import { reviewCausesOf, reviewReplenishment } from './replenishment-planning';
import { recordSkuLedgerChanges } from './sku-ledger-projection';
import { handleStockBatch, inputCommand } from './stock-batch';
import { recordSupplyFacts } from './supply-pipeline-projection';

/**
 * The service's Kafka inputs: receipts, shipments and counts from the warehouse (one stream, so a
 * count lands exactly where it happened), the supply pipeline, the saga's ledger changes, and the
 * catalog's products. Each is recorded in this service's event store together with
 * the read model it moves; then every SKU the batch touched has its replenishment reviewed.
 */
@Controller()
export class InventoryInputsHandler {
  @EventPattern(TOPICS.warehouseEvents)
  async onWarehouseEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<HandlerOutcome> {
    const outcome = await handleStockBatch(context.transaction, inputs.map(inputCommand));
    await reviewReplenishment(context.transaction, reviewCausesOf(inputs, outcome.rejected));
    return outcome;
  }

  @EventPattern(TOPICS.supplyEvents)
  async onSupplyEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    await recordSupplyFacts(context.transaction, inputs);
    await projectPlanningFacts(context.transaction, supplierFactsOf(inputs));
    await reviewReplenishment(context.transaction, reviewCausesOf(inputs));
  }

  // The saga's ledger changes carry the units waiting and the demand accepted: inventory does not
  // read the line facts at all.
  @EventPattern(TOPICS.fulfillmentLedger)
  async onFulfillmentLedger(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    const changes = await recordSkuLedgerChanges(context.transaction, inputs);
    await projectPlanningFacts(context.transaction, ledgerPlanningFactsOf(changes));
    await reviewReplenishment(context.transaction, reviewCausesOf(inputs));
  }

  @EventPattern(TOPICS.catalogEvents)
  async onCatalogEvents(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    await recordPlanningFacts(context.transaction, inputs);
    await reviewReplenishment(context.transaction, reviewCausesOf(inputs));
  }
}
