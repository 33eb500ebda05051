import { CloudEvent, REPLENISHMENT_SUGGESTED, TOPICS, validateMessage } from '@restock/contracts';
import { ReplenishmentEvent } from '@restock/inventory-domain';
import { replenishmentSuggestedMessage, ReviewCause } from './replenishment-planning';

function valueOf(cause: ReviewCause, event: ReplenishmentEvent): CloudEvent {
  return replenishmentSuggestedMessage(cause, event)!.value as CloudEvent;
}

const cause: ReviewCause = { sku: 'SKU-RED-42', inputId: 'input-7', time: '2026-12-01T10:00:00Z' };

function suggested(inventoryPosition: number, supplierId: string | null): ReplenishmentEvent {
  return {
    type: 'ReplenishmentSuggested',
    data: { sku: cause.sku, quantity: 39, reorderPoint: 70, safetyStock: 25, inventoryPosition, supplierId, suggestedAt: cause.time },
  };
}

describe('the ReplenishmentSuggested message', () => {
  it.each([
    ['a known supplier and a positive position', suggested(66, 'SUP-9')],
    ['no supplier yet and more backorders than stock', suggested(-12, null)],
  ])('obeys the public contract with %s', (_, event) => {
    const message = replenishmentSuggestedMessage(cause, event)!;
    expect(message).toMatchObject({ topic: TOPICS.replenishment, key: cause.sku });
    expect(validateMessage(TOPICS.replenishment, JSON.stringify(message.value))).toEqual({ ok: true, event: message.value });
  });

  it('carries the causing input, its time, and an id derived from it', () => {
    const value = valueOf(cause, suggested(66, 'SUP-9'));
    expect(value).toMatchObject({ type: REPLENISHMENT_SUGGESTED, source: 'restock/inventory', time: cause.time, causationid: cause.inputId });
    expect(value.data).toEqual({ sku: cause.sku, quantity: 39, reorderPoint: 70, safetyStock: 25, inventoryPosition: 66, supplierId: 'SUP-9' });
    expect(valueOf(cause, suggested(66, 'SUP-9')).id).toBe(value.id);
    expect(valueOf({ ...cause, inputId: 'input-8' }, suggested(66, 'SUP-9')).id).not.toBe(value.id);
  });

  it('is only built for a suggestion', () => {
    expect(replenishmentSuggestedMessage(cause, { type: 'ReplenishmentRearmed', data: { sku: cause.sku, inventoryPosition: 80, reorderPoint: 70, rearmedAt: cause.time } })).toBeNull();
  });
});
