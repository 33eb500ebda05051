import { Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import {
  deterministicId,
  PURCHASE_ORDER_LINE_PLACED,
  PURCHASE_ORDER_LINE_RESCHEDULED,
  PurchaseOrderLinePlacedData,
  RescheduleBody,
  TOPICS,
} from '@restock/contracts';
import { Database } from '@restock/event-store';
import { AcceptedInput, checkedEntityId, forwardToInputTopic, freshInputId } from './http-inputs';
import { findLinePlacement, findPurchaseOrder, PurchaseOrderView } from './purchase-orders-read-model';

function sameInstant(a: string, b: string): boolean {
  return Date.parse(a) === Date.parse(b);
}

function unknownLine(purchaseOrderId: string, sku: string): NotFoundException {
  return new NotFoundException({
    statusCode: 404,
    error: 'Not Found',
    code: 'SUPPLY.UNKNOWN_PURCHASE_ORDER_LINE',
    message: `no line for sku ${sku} on purchase order ${purchaseOrderId}`,
  });
}

@Controller('purchase-orders')
export class PurchaseOrdersController {
  constructor(private readonly db: Database) {}

  /** The same line placed again is the same input (its id derives from the line), so it has one effect. */
  @Post()
  @HttpCode(202)
  async place(@Body() body: PurchaseOrderLinePlacedData): Promise<AcceptedInput & { purchaseOrderId: string; sku: string }> {
    const { purchaseOrderId, sku, quantity, supplierId, expectedAt } = body;
    const placed = await findLinePlacement(this.db, purchaseOrderId, sku);
    if (placed && !(placed.orderedQuantity === quantity && placed.supplierId === supplierId && sameInstant(placed.placedExpectedAt, expectedAt))) {
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        code: 'SUPPLY.CONFLICTING_DUPLICATE',
        message: `line ${sku} of purchase order ${purchaseOrderId} was already placed with different data`,
      });
    }
    const accepted = await forwardToInputTopic(this.db, {
      topic: TOPICS.purchaseOrders,
      key: sku,
      id: deterministicId(PURCHASE_ORDER_LINE_PLACED, purchaseOrderId, sku),
      type: PURCHASE_ORDER_LINE_PLACED,
      data: { purchaseOrderId, sku, quantity, supplierId, expectedAt },
    });
    return { ...accepted, purchaseOrderId, sku };
  }

  @Post(':id/reschedule')
  @HttpCode(202)
  async reschedule(@Param('id') id: string, @Body() body: RescheduleBody): Promise<AcceptedInput & { purchaseOrderId: string; sku: string }> {
    const purchaseOrderId = checkedEntityId('id', id);
    const { sku, expectedAt, reason } = body;
    const placed = await findLinePlacement(this.db, purchaseOrderId, sku);
    if (!placed) throw unknownLine(purchaseOrderId, sku);
    if (placed.status === 'CANCELLED') {
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        code: 'SUPPLY.PURCHASE_ORDER_LINE_CANCELLED',
        message: `line ${sku} of purchase order ${purchaseOrderId} is cancelled`,
      });
    }
    const data = reason === undefined ? { purchaseOrderId, sku, expectedAt } : { purchaseOrderId, sku, expectedAt, reason };
    // A reschedule has no natural key (a line may move to a date, away and back); a repeated
    // request to the date the line already has changes nothing in the decider.
    const accepted = await forwardToInputTopic(this.db, { topic: TOPICS.purchaseOrders, key: sku, id: freshInputId(), type: PURCHASE_ORDER_LINE_RESCHEDULED, data });
    return { ...accepted, purchaseOrderId, sku };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<PurchaseOrderView> {
    const purchaseOrder = await findPurchaseOrder(this.db, checkedEntityId('id', id));
    if (!purchaseOrder) {
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'SUPPLY.UNKNOWN_PURCHASE_ORDER', message: `no purchase order ${id}` });
    }
    return purchaseOrder;
  }
}
