import { DynamicModule, Module } from '@nestjs/common';
import { OperatorModule, PlatformModule, ServiceConfig, ServiceDefinition } from '@restock/platform';
import { AvailabilityController } from './availability.controller';
import { BackorderOperatorController } from './backorder-operator.controller';
import { CLOCK, Clock, systemClock } from './clock';
import { DeadlineTicker, TICK_INTERVAL, TICK_INTERVAL_MS_DEFAULT } from './deadline-ticker';
import { fulfillmentOperations } from './fulfillment-operations';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { FulfillmentSaga } from './fulfillment-saga';
import { FULFILLMENT_MIGRATIONS } from './migrations';
import { SagaInputsController } from './saga-inputs.controller';
import { SKU_CACHE_LINES_MAX_TOKEN, skuCacheLinesMaxOf, SkuStates } from './sku-states';

export interface FulfillmentOptions {
  readonly clock?: Clock;
  /** 0 turns the periodic tick off (tests call DeadlineTicker.tick themselves). */
  readonly tickIntervalMs?: number;
}

@Module({})
export class FulfillmentModule {
  static forRoot(config: ServiceConfig, options: FulfillmentOptions = {}): DynamicModule {
    return {
      module: FulfillmentModule,
      imports: [PlatformModule.forRoot(config), OperatorModule.forRoot(config, fulfillmentOperations())],
      controllers: [SagaInputsController, AvailabilityController, BackorderOperatorController],
      providers: [
        SkuStates,
        FulfillmentSaga,
        FulfillmentMetrics,
        DeadlineTicker,
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: SKU_CACHE_LINES_MAX_TOKEN, useValue: skuCacheLinesMaxOf(process.env.FULFILLMENT_SKU_CACHE_LINES) },
        { provide: TICK_INTERVAL, useValue: options.tickIntervalMs ?? Number(process.env.FULFILLMENT_TICK_INTERVAL_MS ?? TICK_INTERVAL_MS_DEFAULT) },
      ],
    };
  }
}

export function fulfillmentService(config: ServiceConfig, options: FulfillmentOptions = {}): ServiceDefinition {
  return { module: FulfillmentModule.forRoot(config, options), migrations: FULFILLMENT_MIGRATIONS, consumer: { groupId: 'restock.fulfillment' } };
}
