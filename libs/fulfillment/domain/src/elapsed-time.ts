import { dayOfMs, formatDay } from './calendar';
import { type DecisionDraft, apply, reviewWaitingLines } from './decision-draft';
import type { Eta } from './eta-projection';
import type { EtaChangeCause } from './events';

/**
 * Before any input takes effect, time catches up: on a new day, estimates that have passed move
 * on (rule 3); once a deadline has passed, rule 6 applies. Both need a walk of the queue, which is
 * skipped when neither happened since the last input.
 */
export function catchUpWithTime(draft: DecisionDraft): void {
  const state = draft.base;
  const today = dayOfMs(draft.nowMs);
  const newDay = state.queue.length > 0 && (state.etasReviewedOn === null || today > state.etasReviewedOn);
  const earliestDeadline = state.deadlineWatch[0];
  const deadlinePassed = earliestDeadline !== undefined && draft.nowMs > earliestDeadline.deadlineMs;
  if (!newDay && !deadlinePassed) {
    return;
  }
  if (newDay) {
    apply(draft, { type: 'EtasReviewed', data: { reviewedOn: formatDay(today) } });
  }
  reviewWaitingLines(draft, causeOfElapsedTime);
}

/** Time only pushes estimates later; a line moves earlier only because lines ahead of it expired. */
function causeOfElapsedTime(_line: unknown, previous: Eta, next: Eta): EtaChangeCause {
  const movedLater = next.day === null ? previous.day !== null : previous.day !== null && next.day > previous.day;
  return movedLater ? 'ESTIMATE_EXPIRED' : 'QUEUE_MOVED';
}
