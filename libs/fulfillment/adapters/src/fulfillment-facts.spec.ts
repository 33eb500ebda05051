import fc from 'fast-check';
import { TOPICS, validateMessage } from '@restock/contracts';
import type { FulfillmentEvent } from '@restock/fulfillment-domain';
import type { OutboxMessage } from '@restock/event-store';
import { acceptedDemandBySku, CausedEvent, DecidedInput, etaNettingOf, factsIn, ledgerFact } from './fulfillment-facts';

const at = '2026-12-01T10:00:00.000Z';
const line = { orderId: 'O-1', lineId: 'L-1' };

function input(events: FulfillmentEvent[], inputId = 'input-1', sku = 'SKU-1'): DecidedInput {
  return { sku, inputId, time: at, events };
}

/** The facts of a batch of decided inputs, as the saga writes them (event ids stand in for stored ones). */
function factsOf(inputs: DecidedInput[]): OutboxMessage[] {
  const caused: CausedEvent[] = [];
  for (const decided of inputs) {
    for (const event of decided.events) caused.push({ eventId: `event-${caused.length}`, sku: decided.sku, event, inputId: decided.inputId, time: at, position: caused.length });
  }
  return [...factsIn(caused, etaNettingOf(inputs))];
}

function dataOf(messages: OutboxMessage[]): unknown[] {
  return messages.map((message) => (message.value as { data: unknown }).data);
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
    const [message] = factsOf([input([event])]);
    expect(message).toBeDefined();
    const checked = validateMessage(TOPICS.fulfillmentEvents, JSON.stringify(message!.value));
    expect(checked).toMatchObject({ ok: true });
    expect(message!.key).toBe('SKU-1');
  });

  it('publishes the ledger as a fact that obeys its contract', () => {
    const accepted = [
      { day: '2026-11-30', quantity: 1 },
      { day: '2026-12-01', quantity: 4 },
    ];
    const message = ledgerFact('SKU-1', { onHand: 5, allocated: 3, atp: 2, queueDepth: 1, backorderedQuantity: 2, pipeline: [] }, at, accepted, 'input-1', at);
    expect(message.topic).toBe(TOPICS.fulfillmentLedger);
    expect(validateMessage(TOPICS.fulfillmentLedger, JSON.stringify(message.value))).toMatchObject({ ok: true, event: { data: { backorderedQuantity: 2, accepted } } });
    const twice = { ...(message.value as object), data: { ...(message.value as { data: object }).data, accepted: [...accepted, accepted[0]] } };
    expect(validateMessage(TOPICS.fulfillmentLedger, JSON.stringify(twice))).toMatchObject({ ok: false, reason: { code: 'INVALID_DATA' } });
  });

  describe('the demand a ledger change carries', () => {
    const accepted = (sku: string, acceptedAt: string, allocatedQuantity: number, backorderedQuantity: number, rejectedQuantity: number): DecidedInput =>
      input(
        [
          {
            type: 'LineAccepted',
            data: {
              ...line,
              quantity: allocatedQuantity + backorderedQuantity + rejectedQuantity,
              allocatedQuantity,
              backorderedQuantity,
              rejectedQuantity,
              status: 'PARTIALLY_ALLOCATED',
              rejectionReason: null,
              eta: null,
              etaConfidence: null,
              acceptedAt,
              deadline: null,
              decidedAt: at,
            },
          },
        ],
        `input-${sku}-${acceptedAt}`,
        sku,
      );

    it('counts each accepted unit once, on the UTC day of its acceptance, per SKU, and no rejected unit', () => {
      const decision = fc.record({
        sku: fc.constantFrom('SKU-1', 'SKU-2', 'SKU-3'),
        // Offsets included: 23:30-02:00 is the next UTC day.
        acceptedAt: fc.constantFrom('2026-11-30T23:59:59Z', '2026-12-01T00:00:00Z', '2026-12-01T23:30:00-02:00', '2026-12-02T01:00:00+03:00'),
        allocated: fc.nat({ max: 5 }),
        backordered: fc.nat({ max: 5 }),
        rejected: fc.nat({ max: 5 }),
      });
      fc.assert(
        fc.property(fc.array(decision, { maxLength: 30, size: 'max' }), (decisions) => {
          const bySku = acceptedDemandBySku(decisions.map((d) => accepted(d.sku, d.acceptedAt, d.allocated, d.backordered, d.rejected)));
          const expected = new Map<string, number>();
          for (const d of decisions) {
            const key = `${d.sku} ${new Date(d.acceptedAt).toISOString().slice(0, 10)}`;
            expected.set(key, (expected.get(key) ?? 0) + d.allocated + d.backordered);
          }
          const found = new Map([...bySku].flatMap(([sku, days]) => days.map(({ day, quantity }) => [`${sku} ${day}`, quantity] as const)));
          expect(found).toEqual(new Map([...expected].filter(([, quantity]) => quantity > 0)));
          for (const days of bySku.values()) expect(days.map((entry) => entry.day)).toEqual([...new Set(days.map((entry) => entry.day))].sort());
        }),
      );
    });
  });

  describe('ETA changes within a batch', () => {
    const change = (previousEta: string, eta: string, orderId = line.orderId): FulfillmentEvent => ({
      type: 'LineEtaChanged',
      data: { orderId, lineId: line.lineId, previousEta, previousEtaConfidence: 'CONFIRMED', eta, etaConfidence: 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED', changedAt: at },
    });

    it('publishes only the net change of a line that several inputs re-dated, where its last change is', () => {
      const there = factsOf([
        input([change('2026-12-05', '2026-12-08')], 'input-1'),
        input([change('2026-12-05', '2026-12-07', 'O-2')], 'input-2'),
        input([change('2026-12-08', '2026-12-09')], 'input-3'),
      ]);
      expect(dataOf(there)).toEqual([
        expect.objectContaining({ orderId: 'O-2', previousEta: '2026-12-05', eta: '2026-12-07' }),
        expect.objectContaining({ orderId: line.orderId, previousEta: '2026-12-05', eta: '2026-12-09' }),
      ]);
      const andBack = factsOf([input([change('2026-12-05', '2026-12-08')], 'input-1'), input([change('2026-12-08', '2026-12-05')], 'input-2')]);
      expect(andBack).toEqual([]);
    });

    it('starts a new net change after a fact that told the line its ETA', () => {
      const revoked: FulfillmentEvent = {
        type: 'AllocationRevoked',
        data: { ...line, quantity: 1, allocatedQuantity: 0, remainingQuantity: 2, eta: '2026-12-08', etaConfidence: 'CONFIRMED', revokedAt: at },
      };
      const facts = factsOf([
        input([change('2026-12-05', '2026-12-08')], 'input-1'),
        input([revoked], 'input-2'),
        input([change('2026-12-08', '2026-12-09')], 'input-3'),
      ]);
      // The customer was told 2026-12-08 by the revocation: the next change starts from there.
      expect(facts.map((message) => (message.value as { type: string }).type)).toEqual(['LineEtaChanged', 'LineAllocationRevoked', 'LineEtaChanged']);
      expect(dataOf(facts)[2]).toEqual(expect.objectContaining({ previousEta: '2026-12-08', eta: '2026-12-09' }));
    });

    it('publishes changes that net to nothing when an at-risk notice told the ETA between them', () => {
      const atRisk: FulfillmentEvent = {
        type: 'BackorderAtRisk',
        data: { ...line, eta: '2026-12-08', etaConfidence: 'CONFIRMED', deadline: '2026-12-07T10:00:00.000Z', flaggedAt: at },
      };
      const facts = factsOf([input([change('2026-12-05', '2026-12-08'), atRisk], 'input-1'), input([change('2026-12-08', '2026-12-05')], 'input-2')]);
      expect(dataOf(facts)).toEqual([
        expect.objectContaining({ previousEta: '2026-12-05', eta: '2026-12-08' }),
        expect.objectContaining({ eta: '2026-12-08', deadline: '2026-12-07' }),
        expect.objectContaining({ previousEta: '2026-12-08', eta: '2026-12-05' }),
      ]);
    });

    it('nets the changes of one line per SKU, not across SKUs', () => {
      const facts = factsOf([
        input([change('2026-12-05', '2026-12-08')], 'input-1', 'SKU-1'),
        input([change('2026-12-05', '2026-12-06')], 'input-2', 'SKU-2'),
        input([change('2026-12-08', '2026-12-09')], 'input-3', 'SKU-1'),
      ]);
      expect(facts.map((message) => [message.key, (message.value as { data: { previousEta: string; eta: string } }).data.eta])).toEqual([
        ['SKU-2', '2026-12-06'],
        ['SKU-1', '2026-12-09'],
      ]);
    });

    it('publishes every line a single input re-dated, and no change that is none', () => {
      const facts = factsOf([input([change('2026-12-05', '2026-12-08'), change('2026-12-05', '2026-12-08', 'O-2'), change('2026-12-05', '2026-12-05', 'O-3')])]);
      expect(dataOf(facts)).toEqual([expect.objectContaining({ orderId: line.orderId }), expect.objectContaining({ orderId: 'O-2' })]);
    });
  });
});
