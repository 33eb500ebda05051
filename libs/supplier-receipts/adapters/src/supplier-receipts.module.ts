import { DynamicModule, Module } from '@nestjs/common';
import { OperatorModule, PlatformModule, ServiceConfig, ServiceDefinition } from '@restock/platform';
import { SUPPLIER_RECEIPTS_MIGRATIONS } from './migrations';
import { PurchaseOrdersController } from './purchase-orders.controller';
import { ReceiptsController } from './receipts.controller';
import { SupplyInputsHandler } from './supply-inputs.handler';
import { SUPPLIER_RECEIPTS_OPERATIONS } from './supply-operations';

export const CONSUMER_GROUP = 'restock.supplier-receipts';

@Module({})
export class SupplierReceiptsModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: SupplierReceiptsModule,
      imports: [PlatformModule.forRoot(config), OperatorModule.forRoot(config, SUPPLIER_RECEIPTS_OPERATIONS)],
      controllers: [PurchaseOrdersController, ReceiptsController, SupplyInputsHandler],
    };
  }
}

export function supplierReceiptsService(config: ServiceConfig): ServiceDefinition {
  return { module: SupplierReceiptsModule.forRoot(config), migrations: SUPPLIER_RECEIPTS_MIGRATIONS, consumer: { groupId: CONSUMER_GROUP } };
}
