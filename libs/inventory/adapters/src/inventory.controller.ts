import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { cloudEvent, CYCLE_COUNTED, CycleCountBody, deterministicId, isSku, TOPICS } from '@restock/contracts';
import { Database, enqueue } from '@restock/event-store';
import { findInventory, InventoryView } from './inventory-read-model';
import { SOURCE } from './stock-batch';

/** Validates the SKU in the path as the contracts define it, with the same field-error shape as a body. */
function checkedSku(sku: string): string {
  if (!isSku(sku)) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: 'the request is not valid',
      fields: [{ field: 'sku', errors: ['sku must be 1 to 64 printable ASCII characters without spaces'] }],
    });
  }
  return sku;
}

@Controller('inventory')
export class InventoryController {
  constructor(private readonly db: Database) {}

  @Get(':sku')
  async get(@Param('sku') sku: string): Promise<InventoryView> {
    const inventory = await findInventory(this.db, checkedSku(sku));
    if (!inventory) {
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'INVENTORY.UNKNOWN_SKU', message: `no stock, supply, ledger or planning fact about sku ${sku} has been seen` });
    }
    return inventory;
  }

  /**
   * Sends the count to the warehouse topic, so it lands in that stream after the receipts and
   * shipments before it, exactly like a count reported by the warehouse system. Its id derives
   * from the count, so a repeated request has one effect.
   */
  @Post(':sku/cycle-counts')
  @HttpCode(202)
  async count(@Param('sku') sku: string, @Body() body: CycleCountBody): Promise<{ id: string; sku: string; countId: string }> {
    const { countId, warehouseId, countedQuantity, countedAt } = body;
    const id = deterministicId(CYCLE_COUNTED, checkedSku(sku), countId);
    const value = cloudEvent({ id, source: SOURCE, type: CYCLE_COUNTED, time: new Date().toISOString(), data: { countId, sku, warehouseId, countedQuantity, countedAt } });
    await enqueue(this.db, [{ topic: TOPICS.warehouseEvents, key: sku, value }]);
    return { id, sku, countId };
  }
}
