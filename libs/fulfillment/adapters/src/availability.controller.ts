import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { QUANTITY_MAX } from '@restock/contracts';
import { Database } from '@restock/event-store';
import { availability, backorderQueue } from '@restock/fulfillment-domain';
import { CLOCK, Clock } from './clock';
import { SkuStates } from './sku-states';

export class AvailabilityQuery {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(QUANTITY_MAX)
  readonly quantity!: number;
}

function unknownSku(sku: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'FULFILLMENT.UNKNOWN_SKU', message: `no product with sku ${sku}` });
}

/** What the storefront asks: can this be ordered, and when would it ship; and the queue behind it. */
@Controller()
export class AvailabilityController {
  constructor(
    private readonly db: Database,
    private readonly states: SkuStates,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('availability/:sku')
  async availability(@Param('sku') sku: string, @Query() query: AvailabilityQuery) {
    const loaded = await this.states.read(this.db, sku);
    const answer = loaded ? availability(loaded.state, query.quantity, this.clock.now().toISOString()) : null;
    if (!answer) throw unknownSku(sku);
    return { sku, quantity: query.quantity, ...answer };
  }

  @Get('backorders/:sku')
  async backorders(@Param('sku') sku: string) {
    const loaded = await this.states.read(this.db, sku);
    if (!loaded || loaded.state.catalog.status === 'UNDEFINED') throw unknownSku(sku);
    return {
      sku,
      lines: backorderQueue(loaded.state).map((line) => ({ ...line, deadline: line.deadline.slice(0, 10) })),
    };
  }
}
