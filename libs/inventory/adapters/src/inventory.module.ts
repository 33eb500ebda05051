import { DynamicModule, Module } from '@nestjs/common';
import { OperatorModule, PlatformModule, ServiceConfig, ServiceDefinition } from '@restock/platform';
import { InventoryInputsHandler } from './inventory-inputs.handler';
import { InventoryController } from './inventory.controller';
import { INVENTORY_OPERATIONS } from './inventory-operations';
import { INVENTORY_MIGRATIONS } from './migrations';

export const CONSUMER_GROUP = 'restock.inventory';

@Module({})
export class InventoryModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: InventoryModule,
      imports: [PlatformModule.forRoot(config), OperatorModule.forRoot(config, INVENTORY_OPERATIONS)],
      controllers: [InventoryController, InventoryInputsHandler],
    };
  }
}

export function inventoryService(config: ServiceConfig): ServiceDefinition {
  return { module: InventoryModule.forRoot(config), migrations: INVENTORY_MIGRATIONS, consumer: { groupId: CONSUMER_GROUP } };
}
