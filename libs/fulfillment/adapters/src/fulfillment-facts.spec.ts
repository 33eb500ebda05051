import { TOPICS, validateMessage } from '@restock/contracts';
import type { FulfillmentEvent } from '@restock/fulfillment-domain';
import { CausedEvent, factsOf, ledgerFact } from './fulfillment-facts';

const at = '2026-12-01T10:00:00.000Z';
const line = { orderId: 'O-1', lineId: 'L-1' };

function caused(event: FulfillmentEvent, index = 0): CausedEvent {
  return { eventId: `event-${index}`, sku: 'SKU-1', event, inputId: 'input-1', time: at };
}

const samples: FulfillmentEvent[] = [
  {
    type: 'LineAccepted',
    data: {
      ...line,
      quantity: 4,
      allocatedQuantity: 1,
      backorderedQuantity: 3,
      rejectedQuantity: 0,
      status: 'PARTIALLY_ALLOCATED',
      rejectionReason: null,
      eta: '2026-12-05',
      etaConfidence: 'CONFIRMED',
      acceptedAt: at,
      deadline: '2026-12-31T10:00:00.000Z',
      decidedAt: at,
    },
  },
  { type: 'StockAllocated', data: { ...line, quantity: 3, allocatedQuantity: 4, remainingQuantity: 0, allocatedAt: at } },
  { type: 'AllocationRevoked', data: { ...line, quantity: 2, allocatedQuantity: 2, remainingQuantity: 2, eta: null, etaConfidence: null, revokedAt: at } },
  { type: 'LineEtaChanged', data: { ...line, previousEta: '2026-12-05', previousEtaConfidence: 'CONFIRMED', eta: '2026-12-08', etaConfidence: 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED', changedAt: at } },
  { type: 'BackorderAtRisk', data: { ...line, eta: '2027-02-01', etaConfidence: 'ESTIMATED', deadline: '2026-12-31T10:00:00.000Z', flaggedAt: at } },
  { type: 'LineCancelled', data: { ...line, quantity: 4, releasedQuantity: 1, reason: 'CUSTOMER', cancelledAt: at } },
];

describe('fulfillment facts', () => {
  it.each(samples.map((event) => [event.type, event] as const))('publishes %s as a fact that obeys its contract', (_type, event) => {
    const [message] = factsOf([caused(event)]);
    expect(message).toBeDefined();
    const checked = validateMessage(TOPICS.fulfillmentEvents, JSON.stringify(message!.value));
    expect(checked).toMatchObject({ ok: true });
    expect(message!.key).toBe('SKU-1');
  });

  it('publishes the ledger as a fact that obeys its contract', () => {
    const message = ledgerFact('SKU-1', { onHand: 5, allocated: 3, atp: 2, queueDepth: 1, backorderedQuantity: 2, pipeline: [] }, at, 'input-1', at);
    expect(validateMessage(TOPICS.fulfillmentEvents, JSON.stringify(message.value))).toMatchObject({ ok: true });
  });

  it('publishes only the net ETA change of a line within a batch', () => {
    const change = (previousEta: string, eta: string): FulfillmentEvent => ({
      type: 'LineEtaChanged',
      data: { ...line, previousEta, previousEtaConfidence: 'CONFIRMED', eta, etaConfidence: 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED', changedAt: at },
    });
    const there = factsOf([caused(change('2026-12-05', '2026-12-08'), 0), caused(change('2026-12-08', '2026-12-09'), 1)]);
    expect(there.map((message) => (message.value as { data: unknown }).data)).toEqual([
      expect.objectContaining({ previousEta: '2026-12-05', eta: '2026-12-09' }),
    ]);
    const andBack = factsOf([caused(change('2026-12-05', '2026-12-08'), 0), caused(change('2026-12-08', '2026-12-05'), 1)]);
    expect(andBack).toEqual([]);
  });
});
