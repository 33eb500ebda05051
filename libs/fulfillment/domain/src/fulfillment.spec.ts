import { FulfillmentAssertionError } from './assertion';
import { decide } from './decide';
import { timeUnchangedUntil } from './elapsed-time';
import { availability, backorderQueue, ledger, openLine } from './read-models';
import { restore, restoreFrom, snapshot, snapshotHead, snapshotLines } from './snapshot';
import {
  addSupply,
  adjustStock,
  cancelLine,
  cancelSupply,
  defineProduct,
  discontinueProduct,
  expediteLine,
  holdLine,
  placeLine,
  receiveStock,
  recordShipment,
  rescheduleSupply,
  tick,
} from './testing/fulfillment-commands';
import { given, stateAfter } from './testing/given-when-then';

const DEC_1 = '2026-12-01T10:00:00Z';
const PO_DATE = '2026-12-05T09:00:00Z';

/** DESIGN rule 3's example: PO line of 10 expected 2026-12-05, lead time 14, three lines of 4. */
const workedExample = [
  defineProduct(DEC_1),
  addSupply(DEC_1, 'PO-1', 10, PO_DATE),
  placeLine(DEC_1, 'A', 4),
  placeLine(DEC_1, 'B', 4),
  placeLine(DEC_1, 'C', 4),
];

function etasOf(history: Parameters<typeof stateAfter>[0]) {
  return backorderQueue(stateAfter(history)).map(({ orderId, remainingQuantity, eta, etaConfidence }) => ({
    orderId,
    remainingQuantity,
    eta,
    etaConfidence,
  }));
}

describe('fulfillment of one SKU', () => {
  describe('when a line is placed (rule 1)', () => {
    it('rejects it for an unknown SKU', () => {
      given().when(placeLine(DEC_1, 'A', 2)).then({
        type: 'LineAccepted',
        data: { status: 'REJECTED', rejectedQuantity: 2, rejectionReason: 'UNKNOWN_SKU', deadline: null, eta: null },
      });
    });

    it('allocates it entirely from stock when nobody waits', () => {
      given(defineProduct(DEC_1), receiveStock(DEC_1, 'R1', 5))
        .when(placeLine(DEC_1, 'A', 5))
        .then({
          type: 'LineAccepted',
          data: {
            status: 'ALLOCATED',
            allocatedQuantity: 5,
            backorderedQuantity: 0,
            rejectedQuantity: 0,
            rejectionReason: null,
            eta: null,
            acceptedAt: DEC_1,
            deadline: '2026-12-31T10:00:00.000Z',
          },
        });
    });

    it('allocates part of it and backorders the rest behind the lead time', () => {
      given(defineProduct(DEC_1), receiveStock(DEC_1, 'R1', 3))
        .when(placeLine(DEC_1, 'A', 5))
        .then({
          type: 'LineAccepted',
          data: {
            status: 'PARTIALLY_ALLOCATED',
            allocatedQuantity: 3,
            backorderedQuantity: 2,
            rejectedQuantity: 0,
            eta: '2026-12-15',
            etaConfidence: 'ESTIMATED',
          },
        });
    });

    it('backorders a line when nothing is in stock', () => {
      given(defineProduct(DEC_1))
        .when(placeLine(DEC_1, 'A', 2))
        .then({ type: 'LineAccepted', data: { status: 'BACKORDERED', backorderedQuantity: 2, eta: '2026-12-15' } });
    });

    it('never lets a new line jump the queue', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 4), receiveStock(DEC_1, 'R1', 2))
        .when(placeLine(DEC_1, 'B', 1))
        .then({ type: 'LineAccepted', data: { status: 'BACKORDERED', allocatedQuantity: 0, backorderedQuantity: 1 } });
    });

    it('rejects the rest as OUT_OF_STOCK without lead time or pipeline', () => {
      given(defineProduct(DEC_1, { leadTimeDays: null }), receiveStock(DEC_1, 'R1', 1))
        .when(placeLine(DEC_1, 'A', 3))
        .then({
          type: 'LineAccepted',
          data: {
            status: 'PARTIALLY_ALLOCATED',
            allocatedQuantity: 1,
            backorderedQuantity: 0,
            rejectedQuantity: 2,
            rejectionReason: 'OUT_OF_STOCK',
            eta: null,
          },
        });
    });

    it('rejects as OUT_OF_STOCK when the product is not backorderable', () => {
      given(defineProduct(DEC_1, { backorderable: false }), addSupply(DEC_1, 'PO-1', 10, PO_DATE))
        .when(placeLine(DEC_1, 'A', 3))
        .then({ type: 'LineAccepted', data: { status: 'REJECTED', rejectedQuantity: 3, rejectionReason: 'OUT_OF_STOCK' } });
    });

    it('without lead time, backorders only what the pipeline covers', () => {
      const history = [defineProduct(DEC_1, { leadTimeDays: null }), addSupply(DEC_1, 'PO-1', 3, PO_DATE)];
      given(...history)
        .when(placeLine(DEC_1, 'A', 3))
        .then({ type: 'LineAccepted', data: { status: 'BACKORDERED', eta: '2026-12-05', etaConfidence: 'CONFIRMED' } });
      given(...history)
        .when(placeLine(DEC_1, 'A', 4))
        .then({ type: 'LineAccepted', data: { status: 'REJECTED', rejectionReason: 'OUT_OF_STOCK' } });
    });

    it('rejects as ETA_BEYOND_LIMIT when the projected ETA passes placedAt + maxBackorderDays', () => {
      given(defineProduct(DEC_1, { leadTimeDays: 31 }))
        .when(placeLine(DEC_1, 'A', 1))
        .then({ type: 'LineAccepted', data: { status: 'REJECTED', rejectionReason: 'ETA_BEYOND_LIMIT', eta: null } });
    });

    it('accepts an ETA on the deadline day itself', () => {
      given(defineProduct(DEC_1, { leadTimeDays: 30 }))
        .when(placeLine(DEC_1, 'A', 1))
        .then({ type: 'LineAccepted', data: { status: 'BACKORDERED', eta: '2026-12-31' } });
    });

    it('rejects a line that is already open', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 1)).when(placeLine(DEC_1, 'A', 1)).thenRejects('FULFILLMENT.DUPLICATE_LINE');
    });
  });

  describe('when ETAs are projected (rule 3)', () => {
    it('gives the worked example 12-05 CONFIRMED, 12-05 CONFIRMED, 12-15 ESTIMATED', () => {
      expect(etasOf(workedExample)).toEqual([
        { orderId: 'A', remainingQuantity: 4, eta: '2026-12-05', etaConfidence: 'CONFIRMED' },
        { orderId: 'B', remainingQuantity: 4, eta: '2026-12-05', etaConfidence: 'CONFIRMED' },
        { orderId: 'C', remainingQuantity: 4, eta: '2026-12-15', etaConfidence: 'ESTIMATED' },
      ]);
    });

    it('tells the third line of the worked example its estimate at acceptance', () => {
      given(...workedExample.slice(0, 4))
        .when(placeLine(DEC_1, 'C', 4))
        .then({ type: 'LineAccepted', data: { status: 'BACKORDERED', eta: '2026-12-15', etaConfidence: 'ESTIMATED' } });
    });

    it('moves exactly the first two lines when the purchase order slips to 12-08', () => {
      given(...workedExample)
        .when(rescheduleSupply(DEC_1, 'PO-1', '2026-12-08T09:00:00Z'))
        .then(
          { type: 'SupplyRescheduled', data: { previousExpectedAt: PO_DATE, expectedAt: '2026-12-08T09:00:00Z' } },
          {
            type: 'LineEtaChanged',
            data: { orderId: 'A', previousEta: '2026-12-05', eta: '2026-12-08', etaConfidence: 'CONFIRMED', cause: 'SUPPLY_RESCHEDULED' },
          },
          { type: 'LineEtaChanged', data: { orderId: 'B', previousEta: '2026-12-05', eta: '2026-12-08', cause: 'SUPPLY_RESCHEDULED' } },
        );
    });

    it('covers waiting lines with a new purchase order', () => {
      given(...workedExample)
        .when(addSupply(DEC_1, 'PO-2', 2, '2026-12-10T00:00:00Z'))
        .then(
          { type: 'SupplyAdded' },
          {
            type: 'LineEtaChanged',
            data: { orderId: 'C', previousEta: '2026-12-15', eta: '2026-12-10', etaConfidence: 'CONFIRMED', cause: 'SUPPLY_ADDED' },
          },
        );
    });

    it('falls back to the lead time when a purchase order is cancelled', () => {
      given(...workedExample)
        .when(cancelSupply(DEC_1, 'PO-1'))
        .then(
          { type: 'SupplyCancelled', data: { cancelledQuantity: 10 } },
          { type: 'LineEtaChanged', data: { orderId: 'A', eta: '2026-12-15', etaConfidence: 'ESTIMATED', cause: 'SUPPLY_CANCELLED' } },
          { type: 'LineEtaChanged', data: { orderId: 'B', eta: '2026-12-15', etaConfidence: 'ESTIMATED', cause: 'SUPPLY_CANCELLED' } },
        );
    });

    it('promises nothing once the pipeline is gone and there is no lead time', () => {
      given(defineProduct(DEC_1, { leadTimeDays: null }), addSupply(DEC_1, 'PO-1', 5, PO_DATE), placeLine(DEC_1, 'A', 3))
        .when(cancelSupply(DEC_1, 'PO-1'))
        .then(
          { type: 'SupplyCancelled' },
          { type: 'LineEtaChanged', data: { previousEta: '2026-12-05', eta: null, etaConfidence: null, cause: 'SUPPLY_CANCELLED' } },
          { type: 'BackorderAtRisk', data: { eta: null } },
        );
    });

    it('re-dates estimates when the lead time changes', () => {
      given(...workedExample)
        .when(defineProduct(DEC_1, { leadTimeDays: 7 }))
        .then(
          { type: 'ProductDefined', data: { leadTimeDays: 7 } },
          { type: 'LineEtaChanged', data: { orderId: 'C', eta: '2026-12-08', etaConfidence: 'ESTIMATED', cause: 'POLICY_CHANGED' } },
        );
    });

    it('keeps a line no earlier than the line ahead of it', () => {
      // A was placed later than B but expedited, so its own estimate is later than B's.
      const history = [defineProduct(DEC_1), placeLine(DEC_1, 'B', 1, '2026-11-30T10:00:00Z'), placeLine(DEC_1, 'A', 1)];
      given(...history)
        .when(expediteLine(DEC_1, 'A'))
        .then(
          { type: 'LineExpedited' },
          { type: 'LineEtaChanged', data: { orderId: 'B', previousEta: '2026-12-14', eta: '2026-12-15', cause: 'QUEUE_MOVED' } },
        );
    });

    it('does nothing for an estimate on its own day', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 1), tick('2026-12-02T00:00:00Z'))
        .when(tick('2026-12-15T23:59:59Z'))
        .then({ type: 'EtasReviewed', data: { reviewedOn: '2026-12-15' } });
    });

    it('moves an estimate that has passed to today + lead time (ESTIMATE_EXPIRED)', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 1))
        .when(tick('2026-12-16T08:00:00Z'))
        .then(
          { type: 'EtasReviewed', data: { reviewedOn: '2026-12-16' } },
          { type: 'LineEtaChanged', data: { previousEta: '2026-12-15', eta: '2026-12-30', etaConfidence: 'ESTIMATED', cause: 'ESTIMATE_EXPIRED' } },
        );
    });

    it('lets the passage of time show on any input, and sends only the net change of the input', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 1))
        .when(addSupply('2026-12-16T08:00:00Z', 'PO-1', 5, '2026-12-20T00:00:00Z'))
        .then(
          { type: 'EtasReviewed' },
          { type: 'SupplyAdded' },
          {
            type: 'LineEtaChanged',
            data: { previousEta: '2026-12-15', previousEtaConfidence: 'ESTIMATED', eta: '2026-12-20', etaConfidence: 'CONFIRMED', cause: 'SUPPLY_ADDED' },
          },
        );
    });
  });

  describe('when stock arrives (rule 2)', () => {
    it('allocates a 10-unit receipt against the worked example 4, 4, 2 in FIFO order', () => {
      given(...workedExample)
        .when(receiveStock(DEC_1, 'R1', 10, 'PO-1'))
        .then(
          { type: 'StockReceived', data: { quantity: 10, purchaseOrderId: 'PO-1', pipelineQuantity: 10 } },
          { type: 'StockAllocated', data: { orderId: 'A', quantity: 4, allocatedQuantity: 4, remainingQuantity: 0 } },
          { type: 'StockAllocated', data: { orderId: 'B', quantity: 4, allocatedQuantity: 4, remainingQuantity: 0 } },
          { type: 'StockAllocated', data: { orderId: 'C', quantity: 2, allocatedQuantity: 2, remainingQuantity: 2 } },
        )
        .thenState((state) => {
          expect(ledger(state)).toEqual({ onHand: 10, allocated: 10, atp: 0, queueDepth: 1, backorderedQuantity: 2, pipeline: [] });
        });
    });

    it('moves the queue up for a receipt without purchase order', () => {
      given(...workedExample)
        .when(receiveStock(DEC_1, 'R1', 4))
        .then(
          { type: 'StockReceived', data: { pipelineQuantity: 0 } },
          { type: 'StockAllocated', data: { orderId: 'A', quantity: 4 } },
          { type: 'LineEtaChanged', data: { orderId: 'C', eta: '2026-12-05', etaConfidence: 'CONFIRMED', cause: 'QUEUE_MOVED' } },
        );
    });
    it('re-estimates the lines behind when a receipt takes the last purchase-order line whole', () => {
      // H (expedited ahead of L) waits for 3: 2 on PO-1 (2026-12-05), 1 estimated. L's estimate is
      // the latest expected day, 2026-12-05, later than its acceptance + 3 days (2026-12-04). Once
      // PO-1 is received whole there is no expected day left, L's own estimate has passed, and it
      // becomes today + 3 days. H's ETA does not move, so a walk that stopped there missed L.
      const midnight = '2026-12-05T00:00:00Z';
      given(
        defineProduct(DEC_1, { leadTimeDays: 3, maxBackorderDays: 3, onLimitExceeded: 'NOTIFY' }),
        placeLine('2026-12-01T21:22:00Z', 'L', 1),
        placeLine('2026-12-02T12:34:00Z', 'H', 3),
        expediteLine('2026-12-02T13:00:00Z', 'H'),
        addSupply(midnight, 'PO-1', 2, midnight),
      )
        .when(receiveStock(midnight, 'R1', 2, 'PO-1'))
        .then(
          { type: 'StockReceived', data: { pipelineQuantity: 2 } },
          { type: 'StockAllocated', data: { orderId: 'H', quantity: 2, remainingQuantity: 1 } },
          { type: 'LineEtaChanged', data: { orderId: 'L', previousEta: '2026-12-05', eta: '2026-12-08', etaConfidence: 'ESTIMATED' } },
        );
    });
  });

  describe('when a customer cancels (rule 5)', () => {
    it('moves the lines behind a cancelled head up', () => {
      given(...workedExample)
        .when(cancelLine(DEC_1, 'A'))
        .then(
          { type: 'LineCancelled', data: { orderId: 'A', quantity: 4, releasedQuantity: 0, reason: 'CUSTOMER' } },
          {
            type: 'LineEtaChanged',
            data: { orderId: 'C', previousEta: '2026-12-15', eta: '2026-12-05', etaConfidence: 'CONFIRMED', cause: 'QUEUE_MOVED' },
          },
        );
    });

    it('releases allocated units to the head of the queue at once', () => {
      given(defineProduct(DEC_1), receiveStock(DEC_1, 'R1', 2), placeLine(DEC_1, 'A', 2), placeLine(DEC_1, 'B', 3))
        .when(cancelLine(DEC_1, 'A'))
        .then(
          { type: 'LineCancelled', data: { orderId: 'A', quantity: 2, releasedQuantity: 2 } },
          { type: 'StockAllocated', data: { orderId: 'B', quantity: 2, remainingQuantity: 1 } },
        );
    });

    it('cannot cancel a line that has nothing left', () => {
      given(defineProduct(DEC_1)).when(cancelLine(DEC_1, 'Z')).thenRejects('FULFILLMENT.LINE_NOT_FOUND');
    });
  });

  describe('when a backorder reaches its limit (rule 6)', () => {
    const shortLimit = { maxBackorderDays: 5, leadTimeDays: 3 } as const;
    const afterDeadline = '2026-12-06T11:00:00Z';

    it('flags a line at risk once, when its ETA moves past the deadline', () => {
      const history = [...workedExample];
      const atRisk = given(...history)
        .when(rescheduleSupply(DEC_1, 'PO-1', '2027-01-05T00:00:00Z'))
        .then(
          { type: 'SupplyRescheduled' },
          { type: 'LineEtaChanged', data: { orderId: 'A', eta: '2027-01-05' } },
          { type: 'LineEtaChanged', data: { orderId: 'B', eta: '2027-01-05' } },
          { type: 'LineEtaChanged', data: { orderId: 'C', eta: '2027-01-05', etaConfidence: 'ESTIMATED' } },
          { type: 'BackorderAtRisk', data: { orderId: 'A', eta: '2027-01-05', deadline: '2026-12-31T10:00:00.000Z' } },
          { type: 'BackorderAtRisk', data: { orderId: 'B' } },
          { type: 'BackorderAtRisk', data: { orderId: 'C' } },
        );
      given(...history, ...atRisk.events)
        .when(rescheduleSupply(DEC_1, 'PO-1', '2027-01-06T00:00:00Z'))
        .then(
          { type: 'SupplyRescheduled' },
          { type: 'LineEtaChanged', data: { orderId: 'A' } },
          { type: 'LineEtaChanged', data: { orderId: 'B' } },
          { type: 'LineEtaChanged', data: { orderId: 'C' } },
        );
    });

    it('cancels the waiting part after the deadline under CANCEL and keeps the allocated part', () => {
      given(defineProduct(DEC_1, shortLimit), receiveStock(DEC_1, 'R1', 1), placeLine(DEC_1, 'A', 3))
        .when(tick(afterDeadline))
        .then(
          { type: 'EtasReviewed' },
          { type: 'LineCancelled', data: { orderId: 'A', quantity: 2, releasedQuantity: 0, reason: 'BACKORDER_EXPIRED' } },
        )
        .thenState((state) => {
          expect(openLine(state, 'A', 'l1')).toMatchObject({ allocatedQuantity: 1, remainingQuantity: 0, cancelledQuantity: 2 });
        });
    });

    it('checks the deadline on every input, before the input takes effect', () => {
      given(defineProduct(DEC_1, shortLimit), placeLine(DEC_1, 'A', 3))
        .when(receiveStock(afterDeadline, 'R1', 3))
        .then(
          { type: 'EtasReviewed' },
          { type: 'LineCancelled', data: { reason: 'BACKORDER_EXPIRED', quantity: 3 } },
          { type: 'StockReceived' },
        );
    });

    it('keeps the line under NOTIFY and tells it once that it is at risk', () => {
      const history = [defineProduct(DEC_1, { ...shortLimit, onLimitExceeded: 'NOTIFY' }), placeLine(DEC_1, 'A', 3)];
      const notified = given(...history)
        .when(tick(afterDeadline))
        .then(
          { type: 'EtasReviewed' },
          { type: 'LineEtaChanged', data: { previousEta: '2026-12-04', eta: '2026-12-09', cause: 'ESTIMATE_EXPIRED' } },
          { type: 'BackorderAtRisk', data: { eta: '2026-12-09', deadline: '2026-12-06T10:00:00.000Z' } },
        );
      given(...history, ...notified.events).when(tick('2026-12-06T12:00:00Z')).thenNothingHappens();
    });

    it('does not cancel a held line', () => {
      given(defineProduct(DEC_1, shortLimit), placeLine(DEC_1, 'A', 3), holdLine(DEC_1, 'A'))
        .when(tick(afterDeadline))
        .then({ type: 'EtasReviewed' }, { type: 'LineEtaChanged', data: { cause: 'ESTIMATE_EXPIRED' } }, { type: 'BackorderAtRisk' });
    });

    it('holds a line once', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 3), holdLine(DEC_1, 'A')).when(holdLine(DEC_1, 'A')).thenNothingHappens();
    });
  });

  describe('when a cycle count corrects stock (rule 7)', () => {
    const allocatedFiveTimes = [
      defineProduct(DEC_1),
      receiveStock(DEC_1, 'R1', 5),
      placeLine(DEC_1, 'A', 3),
      placeLine(DEC_1, 'B', 2),
      addSupply(DEC_1, 'PO-1', 2, PO_DATE),
      placeLine(DEC_1, 'C', 2),
    ];

    it('revokes the most recent allocation when only 3 of 5 allocated units are found', () => {
      given(...allocatedFiveTimes)
        .when(adjustStock(DEC_1, 'COUNT-1', -2))
        .then(
          { type: 'StockAdjusted', data: { delta: -2 } },
          {
            type: 'AllocationRevoked',
            data: { orderId: 'B', quantity: 2, allocatedQuantity: 0, remainingQuantity: 2, eta: '2026-12-05', etaConfidence: 'CONFIRMED' },
          },
          { type: 'LineEtaChanged', data: { orderId: 'C', previousEta: '2026-12-05', eta: '2026-12-15', cause: 'STOCK_CORRECTION' } },
        )
        .thenState((state) => {
          expect(backorderQueue(state).map((line) => line.orderId)).toEqual(['B', 'C']);
          expect(ledger(state)).toMatchObject({ onHand: 3, allocated: 3, atp: 0 });
        });
    });

    it('lets found stock flow to the head of the queue', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 4))
        .when(adjustStock(DEC_1, 'COUNT-1', 3))
        .then({ type: 'StockAdjusted' }, { type: 'StockAllocated', data: { orderId: 'A', quantity: 3, remainingQuantity: 1 } });
    });
  });

  describe('when the warehouse ships (rule 8)', () => {
    const twoAllocatedOneWaiting = [
      defineProduct(DEC_1),
      receiveStock(DEC_1, 'R1', 4),
      placeLine(DEC_1, 'A', 2),
      placeLine(DEC_1, 'B', 2),
      placeLine(DEC_1, 'C', 3),
    ];

    it('consumes the line allocation', () => {
      given(...twoAllocatedOneWaiting)
        .when(recordShipment(DEC_1, 'S1', 'A', 2))
        .then(
          { type: 'StockShipped', data: { quantity: 2 } },
          { type: 'LineShipped', data: { quantity: 2, allocatedUnitsShipped: 2, allocatedQuantity: 0, shippedQuantity: 2 } },
        )
        .thenState((state) => {
          expect(openLine(state, 'A', 'l1')).toBeUndefined();
          expect(ledger(state)).toMatchObject({ onHand: 2, allocated: 2 });
        });
    });

    it('records units beyond the allocation as a discrepancy and revokes what no longer exists', () => {
      given(...twoAllocatedOneWaiting)
        .when(recordShipment(DEC_1, 'S1', 'A', 3))
        .then(
          { type: 'StockShipped', data: { quantity: 3 } },
          { type: 'LineShipped', data: { quantity: 3, allocatedUnitsShipped: 2, waitingUnitsShipped: 0 } },
          { type: 'ShipmentDiscrepancyRecorded', data: { quantity: 1, reason: 'BEYOND_ALLOCATION' } },
          { type: 'AllocationRevoked', data: { orderId: 'B', quantity: 1, allocatedQuantity: 1, remainingQuantity: 1, eta: '2026-12-15' } },
        )
        .thenState((state) => {
          expect(ledger(state)).toMatchObject({ onHand: 1, allocated: 1 });
          expect(backorderQueue(state).map((line) => line.orderId)).toEqual(['B', 'C']);
        });
    });

    it('counts shipped units the line was waiting for as shipped, and lets on hand go below 0', () => {
      given(defineProduct(DEC_1), placeLine(DEC_1, 'A', 3))
        .when(recordShipment(DEC_1, 'S1', 'A', 3))
        .then(
          { type: 'StockShipped' },
          { type: 'LineShipped', data: { allocatedUnitsShipped: 0, waitingUnitsShipped: 3, remainingQuantity: 0 } },
          { type: 'ShipmentDiscrepancyRecorded', data: { quantity: 3 } },
        )
        .thenState((state) => expect(ledger(state)).toMatchObject({ onHand: -3, allocated: 0, queueDepth: 0 }));
    });

    it('records a shipment for an unknown line as a discrepancy the same way', () => {
      given(defineProduct(DEC_1), receiveStock(DEC_1, 'R1', 2), placeLine(DEC_1, 'A', 2))
        .when(recordShipment(DEC_1, 'S1', 'X', 1))
        .then(
          { type: 'StockShipped' },
          { type: 'ShipmentDiscrepancyRecorded', data: { orderId: 'X', quantity: 1, reason: 'UNKNOWN_LINE' } },
          { type: 'AllocationRevoked', data: { orderId: 'A', quantity: 1, eta: '2026-12-15', etaConfidence: 'ESTIMATED' } },
        );
    });
  });

  describe('when the product is discontinued (rule 10)', () => {
    it('cancels waiting units beyond the pipeline and keeps those it covers', () => {
      given(...workedExample)
        .when(discontinueProduct(DEC_1))
        .then(
          { type: 'ProductDiscontinued' },
          { type: 'LineCancelled', data: { orderId: 'C', quantity: 2, releasedQuantity: 0, reason: 'DISCONTINUED' } },
          { type: 'LineEtaChanged', data: { orderId: 'C', eta: '2026-12-05', etaConfidence: 'CONFIRMED', cause: 'POLICY_CHANGED' } },
        );
    });

    it('rejects new demand', () => {
      given(...workedExample, discontinueProduct(DEC_1))
        .when(placeLine(DEC_1, 'D', 1))
        .then({ type: 'LineAccepted', data: { status: 'REJECTED', rejectionReason: 'DISCONTINUED' } });
    });

    it('cancels units the pipeline stops covering', () => {
      given(...workedExample, discontinueProduct(DEC_1))
        .when(cancelSupply(DEC_1, 'PO-1'))
        .then(
          { type: 'SupplyCancelled' },
          { type: 'LineCancelled', data: { orderId: 'A', quantity: 4, reason: 'DISCONTINUED' } },
          { type: 'LineCancelled', data: { orderId: 'B', quantity: 4 } },
          { type: 'LineCancelled', data: { orderId: 'C', quantity: 2 } },
        );
    });

    it('cannot discontinue an unknown product', () => {
      given().when(discontinueProduct(DEC_1)).thenRejects('FULFILLMENT.UNKNOWN_SKU');
    });
  });

  describe('when an operator steps in', () => {
    it('expedites a waiting line to the head of the queue', () => {
      given(...workedExample)
        .when(expediteLine(DEC_1, 'C'))
        .then(
          { type: 'LineExpedited', data: { orderId: 'C' } },
          { type: 'LineEtaChanged', data: { orderId: 'C', eta: '2026-12-05', etaConfidence: 'CONFIRMED', cause: 'EXPEDITED' } },
          { type: 'LineEtaChanged', data: { orderId: 'B', eta: '2026-12-15', etaConfidence: 'ESTIMATED', cause: 'QUEUE_MOVED' } },
        );
    });

    it('serves an expedited line first', () => {
      given(...workedExample, expediteLine(DEC_1, 'C'))
        .when(receiveStock(DEC_1, 'R1', 4))
        .then({ type: 'StockReceived' }, { type: 'StockAllocated', data: { orderId: 'C', quantity: 4 } }, { type: 'LineEtaChanged', data: { orderId: 'B' } });
    });

    it('cannot expedite a line that waits for nothing', () => {
      given(defineProduct(DEC_1), receiveStock(DEC_1, 'R1', 1), placeLine(DEC_1, 'A', 1))
        .when(expediteLine(DEC_1, 'A'))
        .thenRejects('FULFILLMENT.LINE_NOT_WAITING');
    });
  });

  describe('when purchase orders are unknown or repeated', () => {
    it('rejects them', () => {
      given(defineProduct(DEC_1), addSupply(DEC_1, 'PO-1', 1, PO_DATE))
        .when(addSupply(DEC_1, 'PO-1', 1, PO_DATE))
        .thenRejects('FULFILLMENT.DUPLICATE_PURCHASE_ORDER');
      given(defineProduct(DEC_1)).when(rescheduleSupply(DEC_1, 'PO-9', PO_DATE)).thenRejects('FULFILLMENT.UNKNOWN_PURCHASE_ORDER');
      given(defineProduct(DEC_1)).when(cancelSupply(DEC_1, 'PO-9')).thenRejects('FULFILLMENT.UNKNOWN_PURCHASE_ORDER');
    });
  });

  describe('availability', () => {
    it('is unknown for an undefined SKU', () => {
      expect(availability(stateAfter([]), 1, DEC_1)).toBeNull();
    });

    it('is IN_STOCK when nobody waits and ATP covers the quantity', () => {
      const state = stateAfter([defineProduct(DEC_1), receiveStock(DEC_1, 'R1', 5)]);
      expect(availability(state, 5, DEC_1)).toEqual({ status: 'IN_STOCK', canOrder: true, availableNow: 5, eta: null, etaConfidence: null });
    });

    it('is BACKORDER with the ETA the line would get', () => {
      const state = stateAfter(workedExample);
      expect(availability(state, 1, DEC_1)).toEqual({
        status: 'BACKORDER',
        canOrder: true,
        availableNow: 0,
        eta: '2026-12-15',
        etaConfidence: 'ESTIMATED',
      });
    });

    it('is OUT_OF_STOCK without commitment or beyond the limit', () => {
      expect(availability(stateAfter([defineProduct(DEC_1, { leadTimeDays: null })]), 1, DEC_1)).toMatchObject({
        status: 'OUT_OF_STOCK',
        canOrder: false,
      });
      expect(availability(stateAfter([defineProduct(DEC_1, { leadTimeDays: 31 })]), 1, DEC_1)).toMatchObject({ status: 'OUT_OF_STOCK' });
    });

    it('answers as of now, after what time changed since the last input: a passed deadline frees the supply its line held', () => {
      // A's deadline (a day after it was placed) passes at 2026-12-02T10:00 and no input has come since.
      const state = stateAfter([
        defineProduct(DEC_1, { maxBackorderDays: 1, leadTimeDays: null, onLimitExceeded: 'CANCEL' }),
        addSupply(DEC_1, 'PO-1', 4, '2026-12-02T08:00:00Z'),
        placeLine(DEC_1, 'A', 4),
      ]);
      const later = '2026-12-02T11:00:00Z';
      expect(availability(state, 4, DEC_1)).toMatchObject({ status: 'OUT_OF_STOCK' });
      expect(availability(state, 4, later)).toEqual({ status: 'BACKORDER', canOrder: true, availableNow: 0, eta: '2026-12-02', etaConfidence: 'CONFIRMED' });
      const placed = decide(placeLine(later, 'B', 4), state);
      expect(placed.status === 'DECIDED' && placed.events.find((event) => event.type === 'LineAccepted')?.data).toMatchObject({
        status: 'BACKORDERED',
        eta: '2026-12-02',
        etaConfidence: 'CONFIRMED',
      });
    });

    it('stays as caught up until the next deadline that has not passed, or midnight UTC', () => {
      const state = stateAfter([
        defineProduct(DEC_1, { maxBackorderDays: 1, leadTimeDays: 5, onLimitExceeded: 'NOTIFY' }),
        addSupply(DEC_1, 'PO-1', 2, '2026-12-02T00:00:00Z'),
        placeLine(DEC_1, 'A', 1),
        placeLine('2026-12-01T15:00:00Z', 'B', 1),
      ]);
      expect(timeUnchangedUntil(state, Date.parse('2026-12-01T12:00:00Z'))).toBe(Date.parse('2026-12-01T23:59:59.999Z'));
      expect(timeUnchangedUntil(state, Date.parse('2026-12-02T11:00:00Z'))).toBe(Date.parse('2026-12-02T15:00:00Z'));
      expect(timeUnchangedUntil(state, Date.parse('2026-12-02T16:00:00Z'))).toBe(Date.parse('2026-12-02T23:59:59.999Z'));
    });

    it('is DISCONTINUED for a discontinued product', () => {
      expect(availability(stateAfter([defineProduct(DEC_1), discontinueProduct(DEC_1)]), 1, DEC_1)).toMatchObject({
        status: 'DISCONTINUED',
        canOrder: false,
      });
    });
  });

  describe('the backorder queue read model', () => {
    it('lists waiting lines in FIFO order with positions and deadlines', () => {
      expect(backorderQueue(stateAfter(workedExample))[2]).toEqual({
        position: 3,
        orderId: 'C',
        lineId: 'l1',
        remainingQuantity: 4,
        eta: '2026-12-15',
        etaConfidence: 'ESTIMATED',
        acceptedAt: DEC_1,
        deadline: '2026-12-31T10:00:00.000Z',
      });
    });
  });

  describe('persistence', () => {
    it('round-trips a snapshot through plain JSON and decides the same on the restored state', () => {
      const state = stateAfter([...workedExample, expediteLine(DEC_1, 'B'), receiveStock(DEC_1, 'R1', 2)]);
      const restored = restore(JSON.parse(JSON.stringify(snapshot(state))));
      expect(snapshot(restored)).toEqual(snapshot(state));
      const command = receiveStock('2026-12-02T10:00:00Z', 'R2', 7, 'PO-1');
      expect(decide(command, restored)).toEqual(decide(command, state));
    });

    it('restores the same state from a head and its lines taken one at a time, as stored in parts', () => {
      const state = stateAfter([...workedExample, expediteLine(DEC_1, 'B'), receiveStock(DEC_1, 'R1', 2)]);
      const head = JSON.parse(JSON.stringify(snapshotHead(state)));
      expect(head).not.toHaveProperty('lines');
      const lines = [...snapshotLines(state)].map((line) => JSON.parse(JSON.stringify(line)));
      const restored = restoreFrom(head, lines);
      expect(snapshot(restored)).toEqual(snapshot(state));
      const command = receiveStock('2026-12-02T10:00:00Z', 'R2', 7, 'PO-1');
      expect(decide(command, restored)).toEqual(decide(command, state));
    });

    it('refuses a head whose allocated units its lines do not account for', () => {
      const state = stateAfter([...workedExample, receiveStock(DEC_1, 'R1', 2)]);
      expect(ledger(state).allocated).toBeGreaterThan(0);
      const waitingOnly = [...snapshotLines(state)].filter((line) => line.allocated === 0);
      expect(() => restoreFrom(snapshotHead(state), waitingOnly)).toThrow(FulfillmentAssertionError);
    });
  });
});
