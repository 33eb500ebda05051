import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, ServiceConfig, ServiceDefinition } from '@restock/platform';
import { SUPPLIER_RECEIPTS_MIGRATIONS } from './migrations';
import { PurchaseOrdersController } from './purchase-orders.controller';
import { ReceiptsController } from './receipts.controller';
import { SupplyInputsHandler } from './supply-inputs.handler';

export const CONSUMER_GROUP = 'restock.supplier-receipts';

@Module({})
export class SupplierReceiptsModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: SupplierReceiptsModule,
      imports: [PlatformModule.forRoot(config)],
      controllers: [PurchaseOrdersController, ReceiptsController, SupplyInputsHandler],
    };
  }
}

export function supplierReceiptsService(config: ServiceConfig): ServiceDefinition {
  return { module: SupplierReceiptsModule.forRoot(config), migrations: SUPPLIER_RECEIPTS_MIGRATIONS, consumer: { groupId: CONSUMER_GROUP } };
}
