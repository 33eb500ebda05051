import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, ServiceConfig, ServiceDefinition } from '@restock/platform';
import { CATALOG_MIGRATIONS } from './migrations';
import { ProductCommands } from './product-commands';
import { ProductsController } from './products.controller';

@Module({})
export class CatalogModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: CatalogModule,
      imports: [PlatformModule.forRoot(config)],
      controllers: [ProductsController],
      providers: [ProductCommands],
    };
  }
}

export function catalogService(config: ServiceConfig): ServiceDefinition {
  return { module: CatalogModule.forRoot(config), migrations: CATALOG_MIGRATIONS };
}
