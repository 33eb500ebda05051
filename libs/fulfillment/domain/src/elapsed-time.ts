import { dayOfMs, formatDay, instantMs, MS_PER_DAY } from './calendar';
import { type DecisionDraft, apply, currentState, openDraft, reviewWaitingLines } from './decision-draft';
import type { FulfillmentState } from './fulfillment-state';
import type { Eta } from './eta-projection';
import type { EtaChangeCause } from './events';

/**
 * Before any input takes effect, time catches up: on a new day, estimates that have passed move
 * on (rule 3); once a deadline has passed, rule 6 applies. Both need a walk of the queue, which is
 * skipped when neither happened since the last input.
 */
export function catchUpWithTime(draft: DecisionDraft): void {
  const state = draft.base;
  if (!timeIsDue(state, draft.nowMs)) {
    return;
  }
  const today = dayOfMs(draft.nowMs);
  if (isNewDay(state, today)) {
    apply(draft, { type: 'EtasReviewed', data: { reviewedOn: formatDay(today) } });
  }
  reviewWaitingLines(draft, causeOfElapsedTime);
}

function isNewDay(state: FulfillmentState, today: number): boolean {
  return state.queue.length > 0 && (state.etasReviewedOn === null || today > state.etasReviewedOn);
}

/** Whether time has something to change at `nowMs`: a new day for a queue, or a passed deadline. */
export function timeIsDue(state: FulfillmentState, nowMs: number): boolean {
  const earliestDeadline = state.deadlineWatch[0];
  return isNewDay(state, dayOfMs(nowMs)) || (earliestDeadline !== undefined && nowMs > earliestDeadline.deadlineMs);
}

/**
 * The last instant up to which time changes `state` no further than it has at `nowMs`: before the
 * next midnight UTC and up to the next deadline that has not passed yet. A state caught up at
 * `nowMs` (stateAt) stays the answer until then; it keeps no deadline watch of its own to tell.
 */
export function timeUnchangedUntil(state: FulfillmentState, nowMs: number): number {
  let until = (dayOfMs(nowMs) + 1) * MS_PER_DAY - 1;
  for (const entry of state.deadlineWatch) {
    if (entry.deadlineMs >= nowMs && entry.deadlineMs < until) until = entry.deadlineMs;
  }
  return until;
}

/**
 * The state as time has left it at `now`, before any input: what a decision at `now` starts from.
 * `state` itself is not changed; when time has nothing to change, it is returned as it is.
 */
export function stateAt(state: FulfillmentState, now: string): FulfillmentState {
  // Checked before a draft is opened: availability asks thousands of times a second, nearly always with nothing due.
  if (!timeIsDue(state, instantMs(now, 'now'))) {
    return state;
  }
  const draft = openDraft(state, now);
  catchUpWithTime(draft);
  return currentState(draft);
}

/** Time only pushes estimates later; a line moves earlier only because lines ahead of it expired. */
function causeOfElapsedTime(_line: unknown, previous: Eta, next: Eta): EtaChangeCause {
  const movedLater = next.day === null ? previous.day !== null : previous.day !== null && next.day > previous.day;
  return movedLater ? 'ESTIMATE_EXPIRED' : 'QUEUE_MOVED';
}
