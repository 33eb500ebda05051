import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { QUANTITY_MAX } from '@restock/contracts';
import { Database } from '@restock/event-store';
import { availability, backorderQueue, FulfillmentState, stateAt, timeUnchangedUntil } from '@restock/fulfillment-domain';
import { CLOCK, Clock } from './clock';
import { LoadedSku, SkuStates } from './sku-states';

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
  /**
   * Per loaded SKU state, that state as time left it when last asked (often the state itself), and
   * until when time leaves it so (the next deadline or midnight UTC). Availability answers as of
   * now; after midnight UTC or a passed deadline, until the SKU's next input or tick, that means a
   * walk of its queue on a copy, done once here and not for every request. A new decision replaces
   * the loaded entry, and with it this one.
   */
  private readonly asOfNow = new WeakMap<LoadedSku, { readonly state: FulfillmentState; readonly untilMs: number }>();

  constructor(
    private readonly db: Database,
    private readonly states: SkuStates,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('availability/:sku')
  async availability(@Param('sku') sku: string, @Query() query: AvailabilityQuery) {
    const loaded = await this.states.read(this.db, sku);
    const now = this.clock.now();
    const answer = loaded ? availability(this.stateAt(loaded, now), query.quantity, now.toISOString()) : null;
    if (!answer) throw unknownSku(sku);
    return { sku, quantity: query.quantity, ...answer };
  }

  private stateAt(loaded: LoadedSku, now: Date): FulfillmentState {
    const nowMs = now.getTime();
    const known = this.asOfNow.get(loaded);
    if (known !== undefined && nowMs <= known.untilMs) return known.state;
    const current = stateAt(loaded.state, now.toISOString());
    // Kept whether or not time changed anything: until then, every read takes it without a check.
    this.asOfNow.set(loaded, { state: current, untilMs: timeUnchangedUntil(loaded.state, nowMs) });
    return current;
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
