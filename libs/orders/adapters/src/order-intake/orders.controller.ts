import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import {
  cloudEvent,
  deterministicId,
  ID_LENGTH_MAX,
  ORDER_CANCELLED,
  ORDER_PLACED,
  OrderCancelBody,
  OrderCancelledData,
  OrderPlacedData,
  TOPICS,
} from '@restock/contracts';
import { Database, enqueue } from '@restock/event-store';
import { isSameOrder, PlacedOrder } from '@restock/orders-domain';
import { SOURCE } from '../order-stream/order-messages';
import { findOrder, OrderView } from '../order-view/orders-read-model';

function invalid(field: string, error: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'the request is not valid', fields: [{ field, errors: [error] }] });
}

function unknownOrder(orderId: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'ORDERS.UNKNOWN_ORDER', message: `no order with id ${orderId}` });
}

/** Validates the order id in the path as the contracts define an entity id. */
function checkedOrderId(orderId: string): string {
  if (orderId.length < 1 || orderId.length > ID_LENGTH_MAX) throw invalid('orderId', `orderId must be 1 to ${ID_LENGTH_MAX} characters`);
  return orderId;
}

function placedOrderOf(body: OrderPlacedData): PlacedOrder {
  const lines = body.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
  return { orderId: body.orderId, customerId: body.customerId, placedAt: body.placedAt, lines };
}

function placedOrderOfView(view: OrderView): PlacedOrder {
  const lines = view.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
  return { orderId: view.orderId, customerId: view.customerId, placedAt: view.placedAt, lines };
}

/**
 * The HTTP face of order intake. Placing and cancelling write the input to the outbox, addressed to
 * the e-commerce orders topic, so the service's own consumer handles it like any upstream message.
 */
@Controller('orders')
export class OrdersController {
  constructor(private readonly db: Database) {}

  @Post()
  @HttpCode(202)
  async place(@Body() body: OrderPlacedData): Promise<{ orderId: string }> {
    const order = placedOrderOf(body);
    const known = await findOrder(this.db, order.orderId);
    if (known !== null && !isSameOrder(placedOrderOfView(known), order)) {
      throw new ConflictException({ statusCode: 409, error: 'Conflict', code: 'ORDERS.CONFLICTING_DUPLICATE', message: `order ${order.orderId} was already placed with different content` });
    }
    // The id names the order, so placing it again is the same input and has one effect.
    const id = deterministicId(ORDER_PLACED, order.orderId);
    const event = cloudEvent({ id, source: SOURCE, type: ORDER_PLACED, time: new Date().toISOString(), data: order });
    await enqueue(this.db, [{ topic: TOPICS.ecommerceOrders, key: order.orderId, value: event }]);
    return { orderId: order.orderId };
  }

  @Post(':orderId/cancel')
  @HttpCode(202)
  async cancel(@Param('orderId') orderId: string, @Body() body: OrderCancelBody): Promise<{ orderId: string }> {
    const order = await findOrder(this.db, checkedOrderId(orderId));
    if (order === null) throw unknownOrder(orderId);
    const known = new Set(order.lines.map((line) => line.lineId));
    const unknown = (body.lineIds ?? []).filter((lineId) => !known.has(lineId));
    if (unknown.length > 0) throw invalid('lineIds', `order ${orderId} has no line ${unknown.join(', ')}`);
    const data: OrderCancelledData = {
      orderId,
      ...(body.lineIds === undefined ? {} : { lineIds: [...body.lineIds] }),
      ...(body.reason === undefined ? {} : { reason: body.reason }),
    };
    // The same cancellation asked again is the same input; cancelling what is already cancelled is a no-op anyway.
    const id = deterministicId(ORDER_CANCELLED, orderId, JSON.stringify([...(body.lineIds ?? [])].sort()), body.reason ?? '');
    const event = cloudEvent({ id, source: SOURCE, type: ORDER_CANCELLED, time: new Date().toISOString(), data });
    await enqueue(this.db, [{ topic: TOPICS.ecommerceOrders, key: orderId, value: event }]);
    return { orderId };
  }

  @Get(':orderId')
  async get(@Param('orderId') orderId: string): Promise<OrderView> {
    const order = await findOrder(this.db, checkedOrderId(orderId));
    if (order === null) throw unknownOrder(orderId);
    return order;
  }
}
