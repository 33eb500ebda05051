import { hopTimes, TimedRecord } from './hop-times';

const record = (timestampMs: number, orderId: string | null, type: string | null = null): TimedRecord => ({ timestampMs, orderId, type });

describe('hop times of an order', () => {
  it("dates each hop by the order's last line there and its first acknowledgement, and leaves out orders missing a hop", () => {
    const hops = hopTimes({
      sent: [record(1_000, 'P2-a'), record(1_000, 'P2-b'), record(1_000, 'P1-c')],
      placed: [record(1_100, 'P2-a', 'OrderLinePlaced'), record(1_300, 'P2-a', 'OrderLinePlaced'), record(1_050, 'P2-b', 'OrderLinePlaced'), record(1_900, 'P2-a', 'Other')],
      decided: [record(1_500, 'P2-a', 'LineDecided'), record(1_700, 'P2-a', 'LineDecided')],
      updates: [record(2_600, 'P2-a', 'OrderLineAllocated'), record(2_000, 'P2-a', 'OrderAcknowledged'), record(2_400, 'P2-a', 'OrderAcknowledged')],
    }, 'P2');
    // P2-b has no decision on record, P1-c is outside the part asked for: only P2-a counts.
    expect(hops.map((hop) => [hop.hop, hop.orders, hop.p50Ms])).toEqual([
      ['sent → OrderLinePlaced', 1, 300],
      ['OrderLinePlaced → LineDecided', 1, 400],
      ['LineDecided → OrderAcknowledged', 1, 300],
      ['sent → OrderAcknowledged', 1, 1_000],
    ]);
  });

  it('gives percentiles over the orders', () => {
    const ids = Array.from({ length: 10 }, (_, index) => `o${index}`);
    const hops = hopTimes({
      sent: ids.map((id) => record(0, id)),
      placed: ids.map((id, index) => record((index + 1) * 10, id, 'OrderLinePlaced')),
      decided: ids.map((id, index) => record((index + 1) * 10, id, 'LineDecided')),
      updates: ids.map((id, index) => record((index + 1) * 10, id, 'OrderAcknowledged')),
    });
    expect(hops[0]).toMatchObject({ orders: 10, p50Ms: 50, p90Ms: 90, p99Ms: 100 });
    expect(hops[1]).toMatchObject({ p50Ms: 0 });
  });
});
