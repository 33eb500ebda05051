import { dayOfMs, instantMs } from './calendar';
import { decide } from './decide';
import { evolve } from './evolve';
import { reviewQueue } from './eta-projection';
import { policyOf } from './fulfillment-state';
import { backorderQueue } from './read-models';
import { addSupply, cancelLine, defineProduct, placeLine, receiveStock } from './testing/fulfillment-commands';
import { stateAfter } from './testing/given-when-then';

const DEC_1 = '2026-12-01T10:00:00Z';
const LATER_ON_DEC_1 = '2026-12-01T16:00:00Z';
const NOW_MS = instantMs(DEC_1, 'now');

/** 40 lines of one unit: PO-1 (10 units, Dec 5) covers the first 10, PO-2 (20, Dec 9) the next 20, 10 lie beyond. */
function queueOfForty() {
  return stateAfter([
    defineProduct(DEC_1),
    addSupply(DEC_1, 'PO-1', 10, '2026-12-05T09:00:00Z'),
    addSupply(DEC_1, 'PO-2', 20, '2026-12-09T09:00:00Z'),
    ...Array.from({ length: 40 }, (_, index) => placeLine(DEC_1, `O${index}`, 1)),
  ]);
}

describe('re-projecting the queue as far as it can change', () => {
  it('walks every line when nothing is known to be unchanged', () => {
    const state = queueOfForty();
    const review = reviewQueue(state, policyOf(state)!, NOW_MS, dayOfMs(NOW_MS));
    expect({ stoppedAt: review.stoppedAt, revised: review.revisedLines.length }).toEqual({ stoppedAt: null, revised: 0 });
  });

  it('stops at the first line it confirms when every unit keeps its covering purchase-order line and estimates are as before', () => {
    const state = queueOfForty();
    const review = reviewQueue(state, policyOf(state)!, NOW_MS, dayOfMs(NOW_MS), { coverage: true, estimates: true });
    expect(review.stoppedAt?.orderId).toBe('O0');
  });

  it('walks on past confirmed lines when the coverage is as before but the estimates may not be', () => {
    // The latest expected day moved (a receipt took the last purchase-order line whole): units
    // beyond the pipeline behind a confirmed line can be estimated differently.
    const state = queueOfForty();
    const review = reviewQueue(state, policyOf(state)!, NOW_MS, dayOfMs(NOW_MS), { coverage: true, estimates: false });
    expect(review.stoppedAt).toBeNull();
  });

  it('stops only beyond the pipeline when only the estimates are known to be unchanged', () => {
    const state = queueOfForty();
    const review = reviewQueue(state, policyOf(state)!, NOW_MS, dayOfMs(NOW_MS), { coverage: false, estimates: true });
    expect(review.stoppedAt?.orderId).toBe('O30');
  });

  it.each([
    ['the first purchase order to arrive', 'PO-1', 4],
    ['a later purchase order', 'PO-2', 4],
    ['no purchase order', null, 3],
  ])('leaves every waiting line with the ETA of a full walk after a receipt against %s', (_, purchaseOrderId, quantity) => {
    const state = queueOfForty();
    const decision = decide(receiveStock(LATER_ON_DEC_1, 'R1', quantity, purchaseOrderId), state);
    if (decision.status !== 'DECIDED') throw new Error(`the receipt was rejected: ${decision.rejection.code}`);
    for (const event of decision.events) evolve(state, event);
    const nowMs = instantMs(LATER_ON_DEC_1, 'now');
    const full = reviewQueue(state, policyOf(state)!, nowMs, dayOfMs(nowMs));
    expect({ waiting: backorderQueue(state).length, stale: full.revisedLines.map((line) => line.orderId) }).toEqual({ waiting: 40 - quantity, stale: [] });
  });

  it.each([
    ['covered by the first purchase order', 'O5'],
    ['covered by the second', 'O20'],
    ['beyond the pipeline', 'O35'],
  ])('leaves every waiting line with the ETA of a full walk after a cancellation of a line %s', (_, orderId) => {
    const state = queueOfForty();
    const decision = decide(cancelLine(LATER_ON_DEC_1, orderId), state);
    if (decision.status !== 'DECIDED') throw new Error(`the cancellation was rejected: ${decision.rejection.code}`);
    for (const event of decision.events) evolve(state, event);
    const nowMs = instantMs(LATER_ON_DEC_1, 'now');
    const full = reviewQueue(state, policyOf(state)!, nowMs, dayOfMs(nowMs));
    expect({ waiting: backorderQueue(state).length, stale: full.revisedLines.map((line) => line.orderId) }).toEqual({ waiting: 39, stale: [] });
  });

  it('re-dates the lines a cancelled line held back, even behind a line whose ETA it confirms', () => {
    // No pipeline: every unit is estimated, at acceptance + 10 days. B arrived last but was placed
    // as early as Z, so its own estimate is Dec 5, and it waits behind A's Dec 11 (never earlier than
    // the line ahead). Z, ahead of both, keeps its Dec 5: a walk that stopped there would leave B
    // held back by a line that is gone.
    const state = stateAfter([
      defineProduct(DEC_1, { leadTimeDays: 10 }),
      placeLine(DEC_1, 'Z', 1, '2026-11-25T10:00:00Z'),
      placeLine(DEC_1, 'A', 1),
      placeLine(DEC_1, 'B', 1, '2026-11-25T10:00:00Z'),
    ]);
    expect(backorderQueue(state).map((line) => [line.orderId, line.eta])).toEqual([
      ['Z', '2026-12-05'],
      ['A', '2026-12-11'],
      ['B', '2026-12-11'],
    ]);
    const decision = decide(cancelLine(LATER_ON_DEC_1, 'A'), state);
    if (decision.status !== 'DECIDED') throw new Error(`the cancellation was rejected: ${decision.rejection.code}`);
    for (const event of decision.events) evolve(state, event);
    expect(backorderQueue(state).map((line) => [line.orderId, line.eta])).toEqual([
      ['Z', '2026-12-05'],
      ['B', '2026-12-05'],
    ]);
  });
});
