import { Body, ConflictException, Controller, HttpCode, Inject, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { randomUUID } from 'node:crypto';
import { Database } from '@restock/event-store';
import { backorderQueue, Rejection } from '@restock/fulfillment-domain';
import { OperatorAudit, OperatorFingerprint, OperatorGuard, OperatorReasonBody } from '@restock/platform';
import { CLOCK, Clock } from './clock';
import { FulfillmentSaga } from './fulfillment-saga';
import { SkuCommand } from './saga-inputs';
import { SkuStates } from './sku-states';

type LineAction = 'ExpediteLine' | 'HoldLine';

function refusal(rejection: Rejection): Error {
  const body = { error: rejection.code === 'FULFILLMENT.LINE_NOT_WAITING' ? 'Conflict' : 'Not Found', code: rejection.code, message: rejection.message };
  return rejection.code === 'FULFILLMENT.LINE_NOT_WAITING' ? new ConflictException({ statusCode: 409, ...body }) : new NotFoundException({ statusCode: 404, ...body });
}

/**
 * Operators step into a SKU's backorder queue: expedite a line to the head, or hold it past its
 * backorder limit. Each is a command to the SKU's decider like any input, so it is stored as
 * events (replay reproduces it) and the ETA changes it causes are published as facts.
 */
@Controller('operator/backorders')
@UseGuards(ThrottlerGuard, OperatorGuard)
export class BackorderOperatorController {
  constructor(
    private readonly db: Database,
    private readonly saga: FulfillmentSaga,
    private readonly states: SkuStates,
    private readonly audit: OperatorAudit,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post(':sku/lines/:orderId/:lineId/expedite')
  @HttpCode(200)
  expedite(@Param('sku') sku: string, @Param('orderId') orderId: string, @Param('lineId') lineId: string, @Body() body: OperatorReasonBody, @OperatorFingerprint() fingerprint: string) {
    return this.run('ExpediteLine', sku, orderId, lineId, body.reason, fingerprint);
  }

  @Post(':sku/lines/:orderId/:lineId/hold')
  @HttpCode(200)
  hold(@Param('sku') sku: string, @Param('orderId') orderId: string, @Param('lineId') lineId: string, @Body() body: OperatorReasonBody, @OperatorFingerprint() fingerprint: string) {
    return this.run('HoldLine', sku, orderId, lineId, body.reason, fingerprint);
  }

  private async run(type: LineAction, sku: string, orderId: string, lineId: string, reason: string, fingerprint: string) {
    const now = this.clock.now().toISOString();
    const inputId = `operator:${randomUUID()}`;
    const command: SkuCommand = { sku, command: { type, data: { orderId, lineId, reason }, metadata: { now, inputId } } };
    const action = { action: type === 'ExpediteLine' ? 'backorder.expedite' : 'backorder.hold', target: `${sku}/${orderId}/${lineId}`, reason, tokenFingerprint: fingerprint };
    const rejected = await this.db.transaction(
      async (tx) => {
        const known = await this.states.read(tx, sku);
        const rejection =
          known && known.state.catalog.status !== 'UNDEFINED'
            ? ((await this.saga.process(tx, [command]))[0]?.rejection ?? null)
            : ({ code: 'FULFILLMENT.UNKNOWN_SKU', message: `no product with sku ${sku}` } satisfies Rejection);
        await this.audit.record(tx, { ...action, outcome: rejection ? 'REFUSED' : 'DONE', details: { inputId, ...(rejection ? { rejection } : {}) } }, now);
        return rejection;
      },
      { lockKeys: [sku] },
    );
    if (rejected) throw refusal(rejected);
    const loaded = await this.states.read(this.db, sku);
    return { sku, orderId, lineId, action: type, inputId, queue: loaded ? backorderQueue(loaded.state) : [] };
  }
}
