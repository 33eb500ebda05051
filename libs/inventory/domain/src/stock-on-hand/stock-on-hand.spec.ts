import fc from 'fast-check';
import { decide, evolve, initialState, onHandOf, StockCommand, StockEvent, StockState, totalOnHand } from './stock-on-hand';

/** given(events).when(command).then(events) or .thenThrows(code), over this decider. */
function given(events: readonly StockEvent[]) {
  const state = events.reduce(evolve, initialState());
  return {
    when: (command: StockCommand) => ({
      then: (expected: readonly StockEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenThrows: (code: string) => expect(() => decide(command, state)).toThrow(code),
    }),
  };
}
const metadata = { now: '2026-12-01T10:00:00Z' };

const receive = (receiptId: string, quantity: number, warehouseId = 'WH-1'): StockCommand => ({
  type: 'ReceiveGoods',
  data: { receiptId, sku: 'SKU-1', warehouseId, quantity, receivedAt: '2026-12-01T09:00:00Z' },
  metadata,
});
const ship = (shipmentId: string, quantity: number, warehouseId = 'WH-1'): StockCommand => ({
  type: 'DispatchShipment',
  data: { shipmentId, orderId: 'O-1', lineId: 'L-1', sku: 'SKU-1', warehouseId, quantity, dispatchedAt: '2026-12-01T09:30:00Z' },
  metadata,
});
const count = (countId: string, countedQuantity: number, warehouseId = 'WH-1'): StockCommand => ({
  type: 'CountStock',
  data: { countId, sku: 'SKU-1', warehouseId, countedQuantity, countedAt: '2026-12-01T09:45:00Z' },
  metadata,
});
const received = (receiptId: string, quantity: number, warehouseId = 'WH-1'): StockEvent => ({ type: 'StockReceived', data: receive(receiptId, quantity, warehouseId).data as never });
const shipped = (shipmentId: string, quantity: number): StockEvent => ({ type: 'StockShipped', data: ship(shipmentId, quantity).data as never });

function stateAfter(events: readonly StockEvent[]): StockState {
  return events.reduce(evolve, initialState());
}

describe('stock on hand of a SKU', () => {
  describe('when goods are received', () => {
    it('records the receipt', () => {
      given([]).when(receive('R-1', 5)).then([received('R-1', 5)]);
    });

    it('adds them to the warehouse that received them', () => {
      const state = stateAfter([received('R-1', 5), received('R-2', 3, 'WH-2'), received('R-3', 2)]);
      expect(onHandOf(state, 'WH-1')).toBe(7);
      expect(onHandOf(state, 'WH-2')).toBe(3);
      expect(totalOnHand(state)).toBe(10);
    });

    it('ignores the same receipt reported again, even with its time written differently', () => {
      const again: StockCommand = {
        type: 'ReceiveGoods',
        data: { receiptId: 'R-1', sku: 'SKU-1', warehouseId: 'WH-1', quantity: 5, receivedAt: '2026-12-01T10:00:00+01:00' },
        metadata,
      };
      given([received('R-1', 5)]).when(again).then([]);
    });

    it('refuses the same receipt id with different data as a conflicting duplicate', () => {
      given([received('R-1', 5)]).when(receive('R-1', 6)).thenThrows('INVENTORY.CONFLICTING_DUPLICATE');
    });
  });

  describe('when a shipment is dispatched', () => {
    it('records the shipment', () => {
      given([received('R-1', 5)]).when(ship('S-1', 2)).then([shipped('S-1', 2)]);
    });

    it('takes the units out even below zero, because the warehouse shipped them', () => {
      expect(onHandOf(stateAfter([received('R-1', 1), shipped('S-1', 3)]), 'WH-1')).toBe(-2);
    });

    it('ignores the same shipment reported again', () => {
      given([received('R-1', 5), shipped('S-1', 2)]).when(ship('S-1', 2)).then([]);
    });
  });

  describe('when a cycle count is taken', () => {
    it('records phantom stock lost as a negative correction', () => {
      given([received('R-1', 10), shipped('S-1', 2)])
        .when(count('C-1', 5))
        .then([{ type: 'StockCounted', data: { ...count('C-1', 5).data, previousOnHand: 8, delta: -3 } as never }]);
    });

    it('records stock found as a positive correction', () => {
      given([received('R-1', 2)])
        .when(count('C-1', 6))
        .then([{ type: 'StockCounted', data: { ...count('C-1', 6).data, previousOnHand: 2, delta: 4 } as never }]);
    });

    it('records a count that matches the records with a zero delta', () => {
      given([received('R-1', 2)])
        .when(count('C-1', 2))
        .then([{ type: 'StockCounted', data: { ...count('C-1', 2).data, previousOnHand: 2, delta: 0 } as never }]);
    });

    it('sets only the counted warehouse', () => {
      const state = stateAfter([received('R-1', 5), received('R-2', 5, 'WH-2'), ...decide(count('C-1', 1, 'WH-2'), stateAfter([received('R-1', 5), received('R-2', 5, 'WH-2')]))]);
      expect(onHandOf(state, 'WH-1')).toBe(5);
      expect(onHandOf(state, 'WH-2')).toBe(1);
    });

    it('ignores the same count reported again', () => {
      const first = decide(count('C-1', 4), stateAfter([received('R-1', 2)]));
      given([received('R-1', 2), ...first, received('R-2', 3)]).when(count('C-1', 4)).then([]);
    });
  });

  describe('conservation', () => {
    const WAREHOUSES = ['WH-1', 'WH-2'];
    const fact = fc.oneof(
      fc.record({ kind: fc.constant('receive' as const), warehouse: fc.constantFrom(...WAREHOUSES), quantity: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ kind: fc.constant('ship' as const), warehouse: fc.constantFrom(...WAREHOUSES), quantity: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ kind: fc.constant('count' as const), warehouse: fc.constantFrom(...WAREHOUSES), quantity: fc.integer({ min: 0, max: 80 }) }),
    );
    // Each fact gets its own id; a redelivery repeats an earlier command exactly.
    const deliveries = fc
      .array(fact, { minLength: 1, maxLength: 60 })
      .chain((facts) => {
        const commands = facts.map((f, index) => {
          const id = `F-${index}`;
          if (f.kind === 'receive') return receive(id, f.quantity, f.warehouse);
          if (f.kind === 'ship') return ship(id, f.quantity, f.warehouse);
          return count(id, f.quantity, f.warehouse);
        });
        const redelivery = fc.record({ original: fc.nat({ max: commands.length - 1 }), later: fc.nat({ max: 100 }) });
        return fc.array(redelivery, { maxLength: 30, size: 'max' }).map((redeliveries) => {
          const sequence = [...commands];
          // A redelivery arrives somewhere after the original delivery.
          for (const { original, later } of redeliveries) {
            const first = sequence.indexOf(commands[original]!);
            sequence.splice(first + 1 + (later % (sequence.length - first)), 0, commands[original]!);
          }
          return { commands, sequence };
        });
      });

    it('keeps on hand equal to receipts − shipments + count corrections after every step, duplicates included', () => {
      fc.assert(
        fc.property(deliveries, ({ commands, sequence }) => {
          let state = initialState();
          let receipts = 0;
          let shipments = 0;
          let corrections = 0;
          const seen = new Set<StockCommand>();
          const reference = new Map<string, number>();
          for (const command of sequence) {
            const events = decide(command, state);
            const redelivered = seen.has(command);
            if (redelivered) expect(events).toEqual([]);
            seen.add(command);
            for (const event of events) {
              if (event.type === 'StockReceived') receipts += event.data.quantity;
              if (event.type === 'StockShipped') shipments += event.data.quantity;
              if (event.type === 'StockCounted') corrections += event.data.delta;
              state = evolve(state, event);
            }
            const current = reference.get(command.data.warehouseId) ?? 0;
            if (!redelivered) {
              if (command.type === 'ReceiveGoods') reference.set(command.data.warehouseId, current + command.data.quantity);
              if (command.type === 'DispatchShipment') reference.set(command.data.warehouseId, current - command.data.quantity);
              if (command.type === 'CountStock') reference.set(command.data.warehouseId, command.data.countedQuantity);
            }
            expect(totalOnHand(state)).toBe(receipts - shipments + corrections);
            for (const warehouse of WAREHOUSES) expect(onHandOf(state, warehouse)).toBe(reference.get(warehouse) ?? 0);
          }
          expect(seen.size).toBe(commands.length);
        }),
      );
    });
  });
});
