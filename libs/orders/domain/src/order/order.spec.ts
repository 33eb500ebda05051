import type { CustomerUpdate } from './customer-updates';
import type { LineDecision, LineFact } from './line-facts';
import { decide, evolve, initialState, OrderCommand, OrderEvent, OrderRejection, PlacedOrder, updatesOf } from './order';

const placedAt = '2026-12-01T10:00:00Z';
const order: PlacedOrder = {
  orderId: 'order-1',
  customerId: 'customer-1',
  placedAt,
  lines: [
    { lineId: 'line-1', sku: 'SKU-A', quantity: 2 },
    { lineId: 'line-2', sku: 'SKU-B', quantity: 3 },
  ],
};

function given(events: readonly OrderEvent[]) {
  const state = events.reduce(evolve, initialState());
  return {
    when: (command: OrderCommand) => ({
      then: (expected: readonly OrderEvent[]) => expect(decide(command, state)).toEqual(expected),
      events: () => decide(command, state),
      thenRejects: (code: string) => {
        try {
          decide(command, state);
        } catch (error) {
          expect(error).toBeInstanceOf(OrderRejection);
          expect((error as OrderRejection).code).toBe(code);
          return;
        }
        throw new Error(`expected rejection ${code}`);
      },
    }),
  };
}

function cause(inputId: string, time = '2026-12-01T10:00:05Z') {
  return { inputId, time };
}

const placeOrder = (inputId: string, data: PlacedOrder = order): OrderCommand => ({
  type: 'PlaceOrder',
  data,
  metadata: { inputId, now: '2026-12-01T10:00:01Z' },
});
const orderPlaced: OrderEvent = { type: 'OrderPlaced', data: { ...order, cause: cause('place-1', '2026-12-01T10:00:01Z') } };

function decision(lineId: string, overrides: Partial<LineDecision> = {}): LineDecision {
  const line = order.lines.find((candidate) => candidate.lineId === lineId)!;
  return {
    orderId: order.orderId,
    lineId,
    sku: line.sku,
    quantity: line.quantity,
    status: 'ALLOCATED',
    allocatedQuantity: line.quantity,
    backorderedQuantity: 0,
    rejectedQuantity: 0,
    rejectionReason: null,
    eta: null,
    etaConfidence: null,
    acceptedAt: placedAt,
    deadline: null,
    ...overrides,
  };
}

const backordered = (lineId: string) =>
  decision(lineId, {
    status: 'BACKORDERED',
    allocatedQuantity: 0,
    backorderedQuantity: order.lines.find((line) => line.lineId === lineId)!.quantity,
    eta: '2026-12-10',
    etaConfidence: 'CONFIRMED',
    deadline: '2026-12-31',
  });
const rejected = (lineId: string) =>
  decision(lineId, {
    status: 'REJECTED',
    allocatedQuantity: 0,
    rejectedQuantity: order.lines.find((line) => line.lineId === lineId)!.quantity,
    rejectionReason: 'OUT_OF_STOCK',
  });

function allocated(lineId: string, quantity: number, allocatedQuantity: number, remainingQuantity: number): LineFact {
  const sku = order.lines.find((line) => line.lineId === lineId)!.sku;
  return { type: 'LineAllocated', data: { orderId: order.orderId, lineId, sku, quantity, allocatedQuantity, remainingQuantity } };
}

function shipped(lineId: string, quantity: number): LineFact {
  const sku = order.lines.find((line) => line.lineId === lineId)!.sku;
  return { type: 'LineShipped', data: { orderId: order.orderId, lineId, sku, shipmentId: `shipment-${lineId}`, quantity } };
}

const fact = (inputId: string, data: LineFact): OrderCommand => ({
  type: 'RecordLineFact',
  data,
  metadata: { inputId, now: '2026-12-01T10:00:05Z' },
});
const recorded = (inputId: string, data: LineFact, updates: readonly CustomerUpdate[] = []): OrderEvent => ({
  type: 'LineFactRecorded',
  data: { orderId: order.orderId, fact: data, cause: cause(inputId), updates },
});

/** Every event the command produced for the given past, with the past's events folded in. */
function history(commands: readonly OrderCommand[]): OrderEvent[] {
  return commands.reduce<OrderEvent[]>((events, command) => [...events, ...given(events).when(command).events()], []);
}

function updatesIn(events: readonly OrderEvent[]): CustomerUpdate[] {
  return events.flatMap(updatesOf);
}

describe('order', () => {
  describe('when it is not known yet', () => {
    it('places it', () => given([]).when(placeOrder('place-1')).then([orderPlaced]));

    it('refuses a cancellation', () =>
      given([]).when({ type: 'CancelOrder', data: { orderId: 'order-1', lineIds: null, reason: null }, metadata: { inputId: 'c', now: placedAt } }).thenRejects('ORDERS.UNKNOWN_ORDER'));

    it('refuses a line fact', () => given([]).when(fact('f-1', { type: 'LineDecided', data: decision('line-1') })).thenRejects('ORDERS.UNKNOWN_ORDER'));
  });

  describe('when it was placed already', () => {
    it('takes the same order under another input id as the same order', () => given([orderPlaced]).when(placeOrder('place-2')).then([]));

    it('compares the time of placing as an instant', () =>
      given([orderPlaced]).when(placeOrder('place-2', { ...order, placedAt: '2026-12-01T10:00:00+00:00' })).then([]));

    it('takes the lines in any order as the same order', () =>
      given([orderPlaced]).when(placeOrder('place-2', { ...order, lines: [...order.lines].reverse() })).then([]));

    it('refuses a differing quantity as a conflicting duplicate', () =>
      given([orderPlaced])
        .when(placeOrder('place-2', { ...order, lines: [order.lines[0]!, { ...order.lines[1]!, quantity: 4 }] }))
        .thenRejects('ORDERS.CONFLICTING_DUPLICATE'));

    it('refuses another customer as a conflicting duplicate', () =>
      given([orderPlaced]).when(placeOrder('place-2', { ...order, customerId: 'customer-2' })).thenRejects('ORDERS.CONFLICTING_DUPLICATE'));
  });

  describe('when a customer cancels', () => {
    const cancel = (lineIds: readonly string[] | null, inputId = 'cancel-1'): OrderCommand => ({
      type: 'CancelOrder',
      data: { orderId: order.orderId, lineIds, reason: 'changed my mind' },
      metadata: { inputId, now: '2026-12-02T09:00:00Z' },
    });
    const requested = (lineId: string, sku: string, inputId = 'cancel-1'): OrderEvent => ({
      type: 'LineCancellationRequested',
      data: { orderId: order.orderId, lineId, sku, reason: 'changed my mind', cause: { inputId, time: '2026-12-02T09:00:00Z' } },
    });

    it('asks to cancel every line when no line is named', () =>
      given([orderPlaced]).when(cancel(null)).then([requested('line-1', 'SKU-A'), requested('line-2', 'SKU-B')]));

    it('asks to cancel only the named lines', () => given([orderPlaced]).when(cancel(['line-2'])).then([requested('line-2', 'SKU-B')]));

    it('refuses a line the order does not have', () => given([orderPlaced]).when(cancel(['line-9'])).thenRejects('ORDERS.UNKNOWN_LINE'));

    it('skips a rejected line and a fully shipped line, which have nothing open', () => {
      const past = history([placeOrder('place-1'), fact('d-1', { type: 'LineDecided', data: rejected('line-1') }), fact('d-2', { type: 'LineDecided', data: decision('line-2') }), fact('s-2', shipped('line-2', 3))]);
      given(past).when(cancel(null)).then([]);
    });

    it('asks for a partly shipped line, whose rest is still open', () => {
      const past = history([placeOrder('place-1'), fact('d-1', { type: 'LineDecided', data: rejected('line-1') }), fact('d-2', { type: 'LineDecided', data: decision('line-2') }), fact('s-2', shipped('line-2', 1))]);
      given(past).when(cancel(null)).then([requested('line-2', 'SKU-B')]);
    });

    it('does not ask twice for a line already being cancelled', () =>
      given([orderPlaced, requested('line-1', 'SKU-A')]).when(cancel(null, 'cancel-2')).then([requested('line-2', 'SKU-B', 'cancel-2')]));
  });

  describe('when the saga decides the lines', () => {
    const decidedFirst = recorded('d-1', { type: 'LineDecided', data: decision('line-1') });

    it('waits for every line before acknowledging', () =>
      given([orderPlaced]).when(fact('d-1', { type: 'LineDecided', data: decision('line-1') })).then([decidedFirst]));

    it('acknowledges the order with each line as decided once the last line is decided', () => {
      const events = given([orderPlaced, decidedFirst]).when(fact('d-2', { type: 'LineDecided', data: backordered('line-2') })).events();
      expect(events).toEqual([
        recorded('d-2', { type: 'LineDecided', data: backordered('line-2') }, [
          {
          type: 'OrderAcknowledged',
          data: {
            orderId: order.orderId,
            lines: [
              { lineId: 'line-1', sku: 'SKU-A', quantity: 2, status: 'ALLOCATED', allocatedQuantity: 2, backorderedQuantity: 0, rejectedQuantity: 0, eta: null, etaConfidence: null, rejectionReason: null },
              { lineId: 'line-2', sku: 'SKU-B', quantity: 3, status: 'BACKORDERED', allocatedQuantity: 0, backorderedQuantity: 3, rejectedQuantity: 0, eta: '2026-12-10', etaConfidence: 'CONFIRMED', rejectionReason: null },
            ],
          },
            idParts: [order.orderId, 'OrderAcknowledged'],
            cause: cause('d-2'),
          },
        ]),
      ]);
    });

    it('ignores a repeated decision', () => given([orderPlaced, decidedFirst]).when(fact('d-1b', { type: 'LineDecided', data: backordered('line-1') })).then([]));

    it('refuses a fact about a line before its decision', () => given([orderPlaced]).when(fact('a-1', allocated('line-1', 1, 1, 1))).thenRejects('ORDERS.LINE_NOT_DECIDED'));

    it('refuses a fact whose sku is not the line\'s', () =>
      given([orderPlaced]).when(fact('d-x', { type: 'LineDecided', data: { ...decision('line-1'), sku: 'SKU-B' } })).thenRejects('ORDERS.UNKNOWN_LINE'));
  });

  describe('when a line changes before the order is acknowledged', () => {
    const past = history([
      placeOrder('place-1'),
      fact('d-1', { type: 'LineDecided', data: backordered('line-1') }),
      fact('a-1', allocated('line-1', 2, 2, 0)),
    ]);

    it('holds the change without telling the customer', () => expect(updatesIn(past)).toEqual([]));

    it('tells it right after the acknowledgement, as caused by the held fact', () => {
      const updates = updatesIn(given(past).when(fact('d-2', { type: 'LineDecided', data: backordered('line-2') })).events());
      expect(updates.map((update) => update.type)).toEqual(['OrderAcknowledged', 'OrderLineAllocated']);
      expect(updates[0]!.data).toMatchObject({ lines: [{ lineId: 'line-1', status: 'BACKORDERED', allocatedQuantity: 0, backorderedQuantity: 2 }, { lineId: 'line-2' }] });
      expect(updates[1]).toEqual({
        type: 'OrderLineAllocated',
        data: { orderId: order.orderId, lineId: 'line-1', sku: 'SKU-A', quantity: 2, allocatedQuantity: 2, remainingQuantity: 0 },
        idParts: ['a-1', 'OrderLineAllocated'],
        cause: cause('a-1'),
      });
    });

    it('requests payment after the held facts when they settle the order', () => {
      const updates = updatesIn(given(past).when(fact('d-2', { type: 'LineDecided', data: decision('line-2') })).events());
      expect(updates.map((update) => update.type)).toEqual(['OrderAcknowledged', 'OrderLineAllocated', 'PaymentAuthorizationRequested']);
      expect(updates[2]).toMatchObject({ idParts: ['d-2', 'PaymentAuthorizationRequested'], cause: cause('d-2') });
    });
  });

  describe('when the order is acknowledged', () => {
    const past = history([
      placeOrder('place-1'),
      fact('d-1', { type: 'LineDecided', data: decision('line-1') }),
      fact('d-2', { type: 'LineDecided', data: backordered('line-2') }),
    ]);

    it('folds a stream recorded before facts carried their updates (one CustomerUpdateIssued event each) to the same state', () => {
      const recordedBefore = past.flatMap((event): OrderEvent[] => {
        if (event.type !== 'LineFactRecorded') return [event];
        const { updates: _updates, ...data } = event.data;
        return [{ type: 'LineFactRecorded', data }, ...updatesOf(event).map((update): OrderEvent => ({ type: 'CustomerUpdateIssued', data: { orderId: data.orderId, update } }))];
      });
      expect(recordedBefore.length).toBeGreaterThan(past.length);
      expect(recordedBefore.reduce(evolve, initialState())).toEqual(past.reduce(evolve, initialState()));
      const moved = fact('e-0', allocated('line-2', 1, 1, 2));
      expect(given(recordedBefore).when(moved).events()).toEqual(given(past).when(moved).events());
    });

    it('tells each saga fact to the customer directly', () => {
      const eta: LineFact = {
        type: 'LineEtaChanged',
        data: { orderId: order.orderId, lineId: 'line-2', sku: 'SKU-B', previousEta: '2026-12-10', eta: '2026-12-12', etaConfidence: 'ESTIMATED', cause: 'SUPPLY_RESCHEDULED' },
      };
      given(past)
        .when(fact('e-1', eta))
        .then([recorded('e-1', eta, [{ type: 'OrderLineEtaChanged', data: eta.data, idParts: ['e-1', 'OrderLineEtaChanged'], cause: cause('e-1') }])]);
    });

    it('leaves the ETA confidence out of a revocation, as the public contract does', () => {
      const revoked: LineFact = {
        type: 'LineAllocationRevoked',
        data: { orderId: order.orderId, lineId: 'line-1', sku: 'SKU-A', quantity: 1, allocatedQuantity: 1, remainingQuantity: 1, eta: '2026-12-20', etaConfidence: 'ESTIMATED' },
      };
      const [update] = updatesIn(given(past).when(fact('r-1', revoked)).events());
      expect(update!.data).toEqual({ orderId: order.orderId, lineId: 'line-1', sku: 'SKU-A', quantity: 1, allocatedQuantity: 1, remainingQuantity: 1, eta: '2026-12-20' });
    });

    it('does not request payment while a unit still waits', () => {
      const updates = updatesIn(given(past).when(fact('a-2', allocated('line-2', 2, 2, 1))).events());
      expect(updates.map((update) => update.type)).toEqual(['OrderLineAllocated']);
    });

    it('requests payment once every line is fully allocated, for the allocated units', () => {
      const updates = updatesIn(given(past).when(fact('a-2', allocated('line-2', 3, 3, 0))).events());
      expect(updates.map((update) => update.type)).toEqual(['OrderLineAllocated', 'PaymentAuthorizationRequested']);
      expect(updates[1]!.data).toEqual({
        orderId: order.orderId,
        lines: [
          { lineId: 'line-1', sku: 'SKU-A', quantity: 2 },
          { lineId: 'line-2', sku: 'SKU-B', quantity: 3 },
        ],
      });
    });

    it('requests payment only once, even when an allocation is revoked and made again', () => {
      const revoked: LineFact = {
        type: 'LineAllocationRevoked',
        data: { orderId: order.orderId, lineId: 'line-2', sku: 'SKU-B', quantity: 3, allocatedQuantity: 0, remainingQuantity: 3, eta: null, etaConfidence: null },
      };
      const events = history([
        placeOrder('place-1'),
        fact('d-1', { type: 'LineDecided', data: decision('line-1') }),
        fact('d-2', { type: 'LineDecided', data: backordered('line-2') }),
        fact('a-2', allocated('line-2', 3, 3, 0)),
        fact('r-2', revoked),
        fact('a-3', allocated('line-2', 3, 3, 0)),
        fact('s-1', shipped('line-1', 2)),
      ]);
      expect(updatesIn(events).filter((update) => update.type === 'PaymentAuthorizationRequested')).toHaveLength(1);
    });

    it('charges for shipped units and leaves cancelled lines out', () => {
      const cancelled: LineFact = {
        type: 'LineCancelled',
        data: { orderId: order.orderId, lineId: 'line-2', sku: 'SKU-B', quantity: 3, releasedQuantity: 0, reason: 'CUSTOMER' },
      };
      const events = history([
        placeOrder('place-1'),
        fact('d-1', { type: 'LineDecided', data: decision('line-1') }),
        fact('d-2', { type: 'LineDecided', data: backordered('line-2') }),
        fact('s-1', shipped('line-1', 2)),
        fact('c-2', cancelled),
      ]);
      const payment = updatesIn(events).filter((update) => update.type === 'PaymentAuthorizationRequested');
      expect(payment.map((update) => update.data)).toEqual([{ orderId: order.orderId, lines: [{ lineId: 'line-1', sku: 'SKU-A', quantity: 2 }] }]);
    });
  });

  describe('when every line is rejected', () => {
    it('acknowledges the order and requests no payment', () => {
      const events = history([
        placeOrder('place-1'),
        fact('d-1', { type: 'LineDecided', data: rejected('line-1') }),
        fact('d-2', { type: 'LineDecided', data: rejected('line-2') }),
      ]);
      expect(updatesIn(events).map((update) => update.type)).toEqual(['OrderAcknowledged']);
    });
  });
});
