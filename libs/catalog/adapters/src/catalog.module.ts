import { DynamicModule, Module } from '@nestjs/common';
import { OperatorModule, PlatformModule, ServiceConfig, ServiceDefinition } from '@restock/platform';
import { CATALOG_OPERATIONS } from './catalog-operations';
import { CATALOG_MIGRATIONS } from './migrations';
import { ProductCommands } from './product-commands';
import { ProductsController } from './products.controller';

@Module({})
export class CatalogModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: CatalogModule,
      imports: [PlatformModule.forRoot(config), OperatorModule.forRoot(config, CATALOG_OPERATIONS)],
      controllers: [ProductsController],
      providers: [ProductCommands],
    };
  }
}

export function catalogService(config: ServiceConfig): ServiceDefinition {
  return { module: CatalogModule.forRoot(config), migrations: CATALOG_MIGRATIONS };
}
