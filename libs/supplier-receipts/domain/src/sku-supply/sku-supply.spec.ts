import { decide, evolve, initialState, RecordedReceipt, SupplyCommand, SupplyEvent } from './sku-supply';

/** given(events).when(command).then(events) or .thenThrows(code), over this decider. */
function given(events: readonly SupplyEvent[]) {
  const state = events.reduce(evolve, initialState());
  return {
    when: (command: SupplyCommand) => ({
      then: (expected: readonly SupplyEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenThrows: (code: string) => expect(() => decide(command, state)).toThrow(code),
    }),
  };
}
const now = '2026-12-01T10:00:00Z';
const metadata = { now };

const place = (overrides: Partial<{ quantity: number; supplierId: string; expectedAt: string }> = {}): SupplyCommand => ({
  type: 'PlacePurchaseOrderLine',
  data: { purchaseOrderId: 'PO-1', sku: 'SKU-1', quantity: 10, supplierId: 'SUP-1', expectedAt: '2026-12-05T00:00:00Z', ...overrides },
  metadata,
});
const expected: SupplyEvent = {
  type: 'SupplyExpected',
  data: { purchaseOrderId: 'PO-1', sku: 'SKU-1', supplierId: 'SUP-1', orderedQuantity: 10, expectedAt: '2026-12-05T00:00:00Z', placedAt: '2026-11-20T00:00:00Z' },
};
const reschedule = (expectedAt: string, reason: string | null = 'port strike'): SupplyCommand => ({
  type: 'ReschedulePurchaseOrderLine',
  data: { purchaseOrderId: 'PO-1', sku: 'SKU-1', expectedAt, reason },
  metadata,
});
const cancel: SupplyCommand = { type: 'CancelPurchaseOrderLine', data: { purchaseOrderId: 'PO-1', sku: 'SKU-1' }, metadata };
const cancelled: SupplyEvent = { type: 'SupplyCancelled', data: { purchaseOrderId: 'PO-1', sku: 'SKU-1', cancelledQuantity: 10, cancelledAt: '2026-11-25T00:00:00Z' } };

function receipt(receiptId: string, quantity: number, purchaseOrderId: string | null = 'PO-1'): RecordedReceipt {
  return { receiptId, sku: 'SKU-1', warehouseId: 'WH-1', quantity, receivedAt: '2026-12-01T09:00:00Z', purchaseOrderId };
}
const receive = (data: RecordedReceipt): SupplyCommand => ({ type: 'RecordGoodsReceipt', data, metadata });
const received = (data: RecordedReceipt, pipelineReduction: number, unplanned = false): SupplyEvent => ({
  type: 'SupplyReceived',
  data: { ...data, pipelineReduction, unplanned },
});

describe('the supply of a SKU', () => {
  describe('when a purchase-order line is unknown', () => {
    it('expects the supply of a placed line', () => {
      given([]).when(place()).then([{ ...expected, data: { ...expected.data, placedAt: now } }]);
    });

    it('refuses a reschedule', () => {
      given([]).when(reschedule('2026-12-09T00:00:00Z')).thenThrows('SUPPLY.UNKNOWN_PURCHASE_ORDER_LINE');
    });

    it('refuses a cancellation', () => {
      given([]).when(cancel).thenThrows('SUPPLY.UNKNOWN_PURCHASE_ORDER_LINE');
    });

    it('records a receipt against it as unplanned stock', () => {
      given([]).when(receive(receipt('R-1', 4))).then([received(receipt('R-1', 4), 0, true)]);
    });

    it('records a receipt without a purchase order as unplanned stock', () => {
      given([expected]).when(receive(receipt('R-1', 4, null))).then([received(receipt('R-1', 4, null), 0, true)]);
    });
  });

  describe('when a line is open', () => {
    it('treats the same placement again as the same line', () => {
      given([expected]).when(place({ expectedAt: '2026-12-05T01:00:00+01:00' })).then([]);
    });

    it('dead-letters a placement of the same line with different data as a conflicting duplicate', () => {
      given([expected]).when(place({ quantity: 11 })).thenThrows('SUPPLY.CONFLICTING_DUPLICATE');
      given([expected]).when(place({ supplierId: 'SUP-2' })).thenThrows('SUPPLY.CONFLICTING_DUPLICATE');
      given([expected]).when(place({ expectedAt: '2026-12-06T00:00:00Z' })).thenThrows('SUPPLY.CONFLICTING_DUPLICATE');
    });

    it('reschedules with the previous date, the reason and the remaining quantity', () => {
      given([expected, received(receipt('R-1', 3), 3)])
        .when(reschedule('2026-12-09T00:00:00Z'))
        .then([
          {
            type: 'SupplyRescheduled',
            data: {
              purchaseOrderId: 'PO-1',
              sku: 'SKU-1',
              expectedAt: '2026-12-09T00:00:00Z',
              previousExpectedAt: '2026-12-05T00:00:00Z',
              reason: 'port strike',
              remainingQuantity: 7,
              rescheduledAt: now,
            },
          },
        ]);
    });

    it('ignores a reschedule to the date it already has', () => {
      given([expected]).when(reschedule('2026-12-05T00:00:00.000Z')).then([]);
    });

    it('still recognises its original placement after a reschedule', () => {
      const rescheduled: SupplyEvent = {
        type: 'SupplyRescheduled',
        data: { purchaseOrderId: 'PO-1', sku: 'SKU-1', expectedAt: '2026-12-09T00:00:00Z', previousExpectedAt: '2026-12-05T00:00:00Z', reason: null, remainingQuantity: 10, rescheduledAt: now },
      };
      given([expected, rescheduled]).when(place()).then([]);
    });

    it('takes a receipt off the remaining quantity', () => {
      given([expected]).when(receive(receipt('R-1', 4))).then([received(receipt('R-1', 4), 4)]);
    });

    it('takes an over-receipt off the remaining quantity only down to 0', () => {
      given([expected, received(receipt('R-1', 8), 8)]).when(receive(receipt('R-2', 5))).then([received(receipt('R-2', 5), 2)]);
      given([expected, received(receipt('R-1', 10), 10)]).when(receive(receipt('R-2', 5))).then([received(receipt('R-2', 5), 0)]);
    });

    it('cancels the remaining quantity', () => {
      given([expected, received(receipt('R-1', 4), 4)])
        .when(cancel)
        .then([{ type: 'SupplyCancelled', data: { purchaseOrderId: 'PO-1', sku: 'SKU-1', cancelledQuantity: 6, cancelledAt: now } }]);
    });
  });

  describe('when a receipt was recorded', () => {
    it('ignores the same receipt again', () => {
      given([expected, received(receipt('R-1', 4), 4)]).when(receive(receipt('R-1', 4))).then([]);
    });

    it('dead-letters the same receipt id with different data as a conflicting duplicate', () => {
      given([expected, received(receipt('R-1', 4), 4)]).when(receive(receipt('R-1', 5))).thenThrows('SUPPLY.CONFLICTING_DUPLICATE');
    });
  });

  describe('when a line is cancelled', () => {
    it('records a receipt against it as unplanned stock', () => {
      given([expected, cancelled]).when(receive(receipt('R-1', 4))).then([received(receipt('R-1', 4), 0, true)]);
    });

    it('ignores a second cancellation', () => {
      given([expected, cancelled]).when(cancel).then([]);
    });

    it('refuses a reschedule', () => {
      given([expected, cancelled]).when(reschedule('2026-12-09T00:00:00Z')).thenThrows('SUPPLY.PURCHASE_ORDER_LINE_CANCELLED');
    });

    it('has nothing remaining in the pipeline', () => {
      const state = [expected, cancelled].reduce(evolve, initialState());
      expect(state.lines.get('PO-1')).toMatchObject({ status: 'CANCELLED', remainingQuantity: 0, orderedQuantity: 10 });
    });
  });

  it('counts received units on the line, including an over-receipt', () => {
    const state = [expected, received(receipt('R-1', 8), 8), received(receipt('R-2', 5), 2)].reduce(evolve, initialState());
    expect(state.lines.get('PO-1')).toMatchObject({ status: 'OPEN', receivedQuantity: 13, remainingQuantity: 0 });
  });
});
