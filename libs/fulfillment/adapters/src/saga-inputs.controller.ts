import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@restock/contracts';
import { ConsumedInput, KafkaBatchContext } from '@restock/messaging';
import { FulfillmentSaga } from './fulfillment-saga';
import { toSkuCommand } from './saga-inputs';

/** Every fact the saga listens to, from every topic, goes the same way: to its SKU's decider. */
@Controller()
export class SagaInputsController {
  constructor(private readonly saga: FulfillmentSaga) {}

  @EventPattern(TOPICS.catalogEvents)
  catalog(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext) {
    return this.handle(inputs, context);
  }

  @EventPattern(TOPICS.orderEvents)
  demand(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext) {
    return this.handle(inputs, context);
  }

  @EventPattern(TOPICS.supplyEvents)
  supply(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext) {
    return this.handle(inputs, context);
  }

  @EventPattern(TOPICS.inventoryEvents)
  stock(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext) {
    return this.handle(inputs, context);
  }

  private async handle(inputs: readonly ConsumedInput[], context: KafkaBatchContext): Promise<void> {
    await this.saga.process(
      context.transaction,
      inputs.flatMap((input) => toSkuCommand(input) ?? []),
    );
  }
}
