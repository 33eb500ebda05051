import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Put } from '@nestjs/common';
import { isSku, ProductDefinitionBody } from '@restock/contracts';
import { Database } from '@restock/event-store';
import { CatalogRejection } from '@restock/catalog-domain';
import { ProductCommands } from './product-commands';
import { findProduct, ProductView } from './products-read-model';

function notFound(sku: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'CATALOG.UNKNOWN_SKU', message: `no product with sku ${sku}` });
}

/** Validates the SKU in the path as the contracts define it, with the same field-error shape as a body. */
function checkedSku(sku: string): string {
  if (!isSku(sku)) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'the request is not valid', fields: [{ field: 'sku', errors: ['sku must be 1 to 64 printable ASCII characters without spaces'] }] });
  }
  return sku;
}

@Controller('products')
export class ProductsController {
  constructor(
    private readonly commands: ProductCommands,
    private readonly db: Database,
  ) {}

  @Put(':sku')
  async define(@Param('sku') sku: string, @Body() body: ProductDefinitionBody): Promise<ProductView> {
    await this.run(() =>
      this.commands.execute({
        type: 'DefineProduct',
        data: {
          sku: checkedSku(sku),
          policy: {
            name: body.name,
            backorderable: body.backorderable,
            maxBackorderDays: body.maxBackorderDays,
            leadTimeDays: body.leadTimeDays ?? null,
            onLimitExceeded: body.onLimitExceeded,
          },
        },
        metadata: { now: new Date().toISOString() },
      }),
    );
    return this.get(sku);
  }

  @Get(':sku')
  async get(@Param('sku') sku: string): Promise<ProductView> {
    const product = await findProduct(this.db, sku);
    if (!product) throw notFound(sku);
    return product;
  }

  @Post(':sku/discontinue')
  @HttpCode(200)
  async discontinue(@Param('sku') sku: string): Promise<ProductView> {
    await this.run(() => this.commands.execute({ type: 'DiscontinueProduct', data: { sku: checkedSku(sku) }, metadata: { now: new Date().toISOString() } }));
    return this.get(sku);
  }

  private async run(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof CatalogRejection)) throw error;
      if (error.code === 'CATALOG.UNKNOWN_SKU') throw new NotFoundException({ statusCode: 404, error: 'Not Found', code: error.code, message: error.message });
      throw new ConflictException({ statusCode: 409, error: 'Conflict', code: error.code, message: error.message });
    }
  }
}
