import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { deterministicId, GOODS_RECEIVED, GoodsReceivedData, TOPICS } from '@restock/contracts';
import { Database } from '@restock/event-store';
import { AcceptedInput, forwardToInputTopic } from './http-inputs';

@Controller('receipts')
export class ReceiptsController {
  constructor(private readonly db: Database) {}

  /** Goes to the warehouse topic, where the inventory service reads it as stock too. */
  @Post()
  @HttpCode(202)
  async receive(@Body() body: GoodsReceivedData): Promise<AcceptedInput & { receiptId: string; sku: string }> {
    const { receiptId, sku, quantity, warehouseId, receivedAt, purchaseOrderId } = body;
    const data = purchaseOrderId === undefined ? { receiptId, sku, quantity, warehouseId, receivedAt } : { receiptId, sku, quantity, warehouseId, receivedAt, purchaseOrderId };
    const accepted = await forwardToInputTopic(this.db, {
      topic: TOPICS.warehouseEvents,
      key: sku,
      id: deterministicId(GOODS_RECEIVED, sku, receiptId),
      type: GOODS_RECEIVED,
      data,
    });
    return { ...accepted, receiptId, sku };
  }
}
