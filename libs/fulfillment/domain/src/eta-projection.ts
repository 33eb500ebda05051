import { liveLineAt, tailLine } from './backorder-queue';
import { dayOfMs } from './calendar';
import type { CancellationReason } from './events';
import type { EtaConfidence, FulfillmentState, OrderLine, ProductPolicy, SupplyLine } from './fulfillment-state';

export interface Eta {
  readonly day: number | null;
  readonly confidence: EtaConfidence | null;
}

export const NO_ETA: Eta = { day: null, confidence: null };

export interface EtaRevision {
  readonly line: OrderLine;
  readonly eta: Eta;
}

export interface WaitingCancellation {
  readonly line: OrderLine;
  readonly quantity: number;
  readonly reason: CancellationReason;
}

/** What one walk of the queue found; applying it is the caller's business. */
export interface QueueReview {
  /** Lines whose ETA changes, and their new ETAs at the same index (parallel arrays spare an object per line). */
  readonly revisedLines: readonly OrderLine[];
  readonly revisedEtas: readonly Eta[];
  readonly cancellations: readonly WaitingCancellation[];
  /** Lines not yet told they are at risk that now are, with their new ETA. */
  readonly atRisk: readonly EtaRevision[];
  /** The line the walk stopped at (see KnownUnchanged); null when it walked the whole queue. */
  readonly stoppedAt: OrderLine | null;
}

/**
 * What a decision knows about the waiting lines it did not touch, so that a walk of the queue may
 * stop at the first line whose stored ETA it confirms: past it, every line would be projected as its
 * stored ETA says. Both rest on the stored ETAs being what a full walk gave before the decision.
 */
export interface KnownUnchanged {
  /**
   * Every waiting unit is covered by the same purchase-order line as before: the decision took as
   * many units off the front of the queue as off the purchase-order line that arrives first. It
   * says nothing of units beyond the pipeline: a walk stops on it only with `estimates` too.
   */
  readonly coverage: boolean;
  /**
   * Units beyond the pipeline were beyond it before and are estimated alike: the latest expected
   * day is the same, and no more units came off the pipeline than off the queue.
   */
  readonly estimates: boolean;
  /**
   * The walk may stop only at a line ranked after this one. A line taken out of the middle of the
   * queue no longer holds back the ETAs of the lines behind it (rule 3: never earlier than the line
   * ahead), so those can move even where the walk before it confirmed an ETA.
   */
  readonly stopAfterRank?: number;
}

/** Open purchase-order lines in the order they will arrive (ties: placed earlier first). */
export function pipelineInArrivalOrder(state: FulfillmentState): SupplyLine[] {
  return [...state.pipeline.values()].sort((a, b) => a.expectedMs - b.expectedMs || a.sequence - b.sequence);
}

/** Arrival order is by expected instant, so the last line carries the latest expected day. */
export function latestExpectedDayOf(pipelineInOrder: readonly SupplyLine[]): number | null {
  return pipelineInOrder.length > 0 ? pipelineInOrder[pipelineInOrder.length - 1].expectedDay : null;
}

/**
 * Rule 3 for units beyond the pipeline: the later of acceptance + lead time and the latest expected
 * date; once that day is over, today + lead time. Without a lead time nothing is promised.
 */
export function estimatedDay(
  acceptedDay: number,
  policy: ProductPolicy,
  latestExpectedDay: number | null,
  today: number,
): number | null {
  if (policy.leadTimeDays === null) {
    return null;
  }
  const byLeadTime = acceptedDay + policy.leadTimeDays;
  const estimate = latestExpectedDay === null ? byLeadTime : Math.max(byLeadTime, latestExpectedDay);
  return today > estimate ? today + policy.leadTimeDays : estimate;
}

/** A line is never promised earlier than the line ahead of it; an unknown date ahead stays unknown. */
function notBefore(own: Eta, ahead: Eta | undefined, etaOf: (day: number | null, confidence: EtaConfidence) => Eta): Eta {
  if (ahead === undefined || own.day === null) {
    return own;
  }
  if (ahead.day === null) {
    return NO_ETA;
  }
  return ahead.day > own.day ? etaOf(ahead.day, own.confidence as EtaConfidence) : own;
}

/**
 * Shares one Eta object per distinct value: a long queue has few distinct dates, and re-dating it
 * should not allocate per line.
 */
function etaInterner(): (day: number | null, confidence: EtaConfidence) => Eta {
  const interned = new Map<number, Eta>();
  return (day, confidence) => {
    if (day === null) {
      return NO_ETA;
    }
    const key = confidence === 'ESTIMATED' ? -day - 1 : day;
    let eta = interned.get(key);
    if (eta === undefined) {
      eta = { day, confidence };
      interned.set(key, eta);
    }
    return eta;
  };
}

function isAtRisk(eta: Eta, line: OrderLine, nowMs: number, deadlineDay: number): boolean {
  return eta.day === null || eta.day > deadlineDay || nowMs > line.deadlineMs;
}

function limitExpired(line: OrderLine, policy: ProductPolicy, nowMs: number): boolean {
  return nowMs > line.deadlineMs && policy.onLimitExceeded === 'CANCEL' && !line.held;
}

/**
 * Rules 3, 6 and 10 in one FIFO walk of the queue against the pipeline: the ETA of every waiting
 * line, the waiting parts to cancel (deadline passed under CANCEL, or beyond the pipeline of a
 * discontinued product), and the lines that have just become at risk.
 *
 * With `unchanged`, the walk ends at the first line past which nothing can differ (see
 * KnownUnchanged), so a receipt that fills the head of a long queue does not walk all of it. Time
 * has no part in it: the decision caught up with time first (a new day or a passed deadline walks
 * the whole queue), and a product being discontinued never stops early.
 */
export function reviewQueue(state: FulfillmentState, policy: ProductPolicy, nowMs: number, today: number, unchanged?: KnownUnchanged): QueueReview {
  const pipeline = pipelineInArrivalOrder(state);
  const latestExpectedDay = latestExpectedDayOf(pipeline);
  const discontinued = state.catalog.status === 'DISCONTINUED';
  const revisedLines: OrderLine[] = [];
  const revisedEtas: Eta[] = [];
  const cancellations: WaitingCancellation[] = [];
  const atRisk: EtaRevision[] = [];
  let supplyIndex = 0;
  let supplyLeft = pipeline.length > 0 ? pipeline[0].remaining : 0;
  let ahead: Eta | undefined;
  const etaOf = etaInterner();
  for (let index = state.queue.head; index < state.queue.keys.length; index += 1) {
    const line = liveLineAt(state.queue, state.lines, index);
    if (line === undefined) {
      continue;
    }
    if (limitExpired(line, policy, nowMs)) {
      cancellations.push({ line, quantity: line.waiting, reason: 'BACKORDER_EXPIRED' });
      continue;
    }
    let uncovered = line.waiting;
    let coveredDay: number | null = null;
    while (uncovered > 0 && supplyIndex < pipeline.length) {
      const taken = Math.min(uncovered, supplyLeft);
      uncovered -= taken;
      supplyLeft -= taken;
      coveredDay = pipeline[supplyIndex].expectedDay;
      if (supplyLeft === 0) {
        supplyIndex += 1;
        supplyLeft = supplyIndex < pipeline.length ? pipeline[supplyIndex].remaining : 0;
      }
    }
    let own: Eta;
    if (uncovered === 0) {
      own = etaOf(coveredDay, 'CONFIRMED');
    } else if (discontinued) {
      cancellations.push({ line, quantity: uncovered, reason: 'DISCONTINUED' });
      if (uncovered === line.waiting) {
        continue;
      }
      own = etaOf(coveredDay, 'CONFIRMED');
    } else {
      own = etaOf(estimatedDay(line.acceptedDay, policy, latestExpectedDay, today), 'ESTIMATED');
    }
    const eta = notBefore(own, ahead, etaOf);
    ahead = eta;
    if (eta.day !== line.etaDay || eta.confidence !== line.etaConfidence) {
      revisedLines.push(line);
      revisedEtas.push(eta);
    }
    if (!line.atRisk && isAtRisk(eta, line, nowMs, dayOfMs(line.deadlineMs))) {
      atRisk.push({ line, eta });
    }
    if (
      unchanged !== undefined &&
      !discontinued &&
      eta.day === line.etaDay &&
      eta.confidence === line.etaConfidence &&
      (unchanged.stopAfterRank === undefined || line.rank > unchanged.stopAfterRank)
    ) {
      // Each later line's ETA is the later of its own and this one's, and its own is as before:
      // its covered units are covered as before, and its units beyond the pipeline (there are
      // some behind a line that is not fully covered) are estimated as before. With the same
      // coverage but another latest expected day (a receipt took the last purchase-order line
      // whole), estimates behind can move although this line's did not.
      if (unchanged.estimates && (unchanged.coverage || uncovered > 0)) {
        return { revisedLines, revisedEtas, cancellations, atRisk, stoppedAt: line };
      }
    }
  }
  return { revisedLines, revisedEtas, cancellations, atRisk, stoppedAt: null };
}

/**
 * The ETA that `units` more units would get behind the current queue, or null when nothing is
 * promised for them. It agrees with `reviewQueue` because the stored ETAs are kept current.
 */
export function projectNewDemand(
  state: FulfillmentState,
  policy: ProductPolicy,
  units: number,
  acceptedDay: number,
  today: number,
): Eta {
  const pipeline = pipelineInArrivalOrder(state);
  const lastUnit = state.waitingTotal + units;
  let covered = 0;
  let own: Eta | undefined;
  for (const supply of pipeline) {
    covered += supply.remaining;
    if (covered >= lastUnit) {
      own = { day: supply.expectedDay, confidence: 'CONFIRMED' };
      break;
    }
  }
  if (own === undefined) {
    const day = estimatedDay(acceptedDay, policy, latestExpectedDayOf(pipeline), today);
    own = day === null ? NO_ETA : { day, confidence: 'ESTIMATED' };
  }
  const tail = tailLine(state.queue, state.lines);
  const ahead = tail === undefined ? undefined : { day: tail.etaDay, confidence: tail.etaConfidence };
  return notBefore(own, ahead, (day, confidence) => ({ day, confidence }));
}
