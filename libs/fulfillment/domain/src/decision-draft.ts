import { assert } from './assertion';
import { dayOfMs, formatOptionalDay, instantMs } from './calendar';
import { type Eta, reviewQueue } from './eta-projection';
import type { AllocationRevoked, EtaChangeCause, FulfillmentEvent } from './events';
import { evolve, setLineEta } from './evolve';
import { type FulfillmentState, type OrderLine, cloneState, lineKey, policyOf } from './fulfillment-state';

export type EtaCauseOf = (line: OrderLine, previous: Eta, next: Eta) => EtaChangeCause;

/**
 * The work in progress of one decision. Steps that need to see the effect of earlier steps apply
 * their events to a private copy of the state (made on first use), never to the caller's state.
 * ETA changes are collected per line so that only the net change of the whole input is emitted.
 */
export interface DecisionDraft {
  readonly base: FulfillmentState;
  scratch: FulfillmentState | null;
  readonly now: string;
  readonly nowMs: number;
  /** The day ETAs are projected for; it never goes back, even if input times do. */
  readonly today: number;
  readonly events: FulfillmentEvent[];
  /** Set once an event was emitted without being applied: nothing may read the state after it. */
  sealed: boolean;
  readonly etaBefore: Map<string, Eta>;
  readonly etaCause: Map<string, EtaChangeCause>;
  readonly revocationIndexes: number[];
  /** The lines the latest queue review found newly at risk. */
  atRiskKeys: readonly string[];
}

export function openDraft(state: FulfillmentState, now: string): DecisionDraft {
  const nowMs = instantMs(now, 'metadata.now');
  return {
    base: state,
    scratch: null,
    now,
    nowMs,
    today: Math.max(dayOfMs(nowMs), state.etasReviewedOn ?? Number.NEGATIVE_INFINITY),
    events: [],
    sealed: false,
    etaBefore: new Map(),
    etaCause: new Map(),
    revocationIndexes: [],
    atRiskKeys: [],
  };
}

export function currentState(draft: DecisionDraft): FulfillmentState {
  assert(!draft.sealed, 'the draft state was read after an event that was not applied');
  return draft.scratch ?? draft.base;
}

function workingCopy(draft: DecisionDraft): FulfillmentState {
  assert(!draft.sealed, 'the draft was changed after an event that was not applied');
  draft.scratch ??= cloneState(draft.base);
  return draft.scratch;
}

/** Emits an event and applies it to the working copy, for steps that follow it. */
export function apply(draft: DecisionDraft, event: FulfillmentEvent): void {
  evolve(workingCopy(draft), event);
  if (event.type === 'AllocationRevoked') {
    draft.revocationIndexes.push(draft.events.length);
  }
  draft.events.push(event);
}

/** Emits an event that no later step depends on, sparing the copy of a large state. */
export function emitLast(draft: DecisionDraft, event: FulfillmentEvent): void {
  draft.sealed = true;
  draft.events.push(event);
}

/** Re-projects every waiting line (rules 3, 6, 10) on the working copy. */
export function reviewWaitingLines(draft: DecisionDraft, causeOf: EtaCauseOf): void {
  const state = workingCopy(draft);
  const policy = policyOf(state);
  if (policy === null || state.queue.length === 0) {
    draft.atRiskKeys = [];
    return;
  }
  const review = reviewQueue(state, policy, draft.nowMs, draft.today);
  for (const { line, eta } of review.revisions) {
    const previous: Eta = { day: line.etaDay, confidence: line.etaConfidence };
    if (!draft.etaBefore.has(line.key)) {
      draft.etaBefore.set(line.key, previous);
    }
    draft.etaCause.set(line.key, causeOf(line, previous, eta));
    setLineEta(state, line.key, eta.day, eta.confidence);
  }
  for (const { line, quantity, reason } of review.cancellations) {
    apply(draft, {
      type: 'LineCancelled',
      data: { orderId: line.orderId, lineId: line.lineId, quantity, releasedQuantity: 0, reason, cancelledAt: draft.now },
    });
  }
  draft.atRiskKeys = review.atRisk.map((line) => line.key);
}

/**
 * The events of the decision: revocations carry the line's final ETA, then one ETA change per line
 * whose ETA differs from what it was told last, then the lines that became at risk.
 */
export function closeDraft(draft: DecisionDraft): FulfillmentEvent[] {
  const events = draft.events.slice();
  if (draft.scratch === null) {
    return events;
  }
  const final = draft.scratch;
  const toldByRevocation = new Set<string>();
  for (const index of draft.revocationIndexes) {
    const revoked = events[index] as AllocationRevoked;
    const eta = finalEta(final, revoked.data.orderId, revoked.data.lineId);
    events[index] = { ...revoked, data: { ...revoked.data, eta: formatOptionalDay(eta.day), etaConfidence: eta.confidence } };
    toldByRevocation.add(lineKey(revoked.data.orderId, revoked.data.lineId));
  }
  for (const [key, before] of draft.etaBefore) {
    const line = final.lines.get(key);
    if (toldByRevocation.has(key) || line === undefined || line.waiting === 0) {
      continue;
    }
    if (line.etaDay === before.day && line.etaConfidence === before.confidence) {
      continue;
    }
    events.push({
      type: 'LineEtaChanged',
      data: {
        orderId: line.orderId,
        lineId: line.lineId,
        previousEta: formatOptionalDay(before.day),
        previousEtaConfidence: before.confidence,
        eta: formatOptionalDay(line.etaDay),
        etaConfidence: line.etaConfidence,
        cause: draft.etaCause.get(key) as EtaChangeCause,
        changedAt: draft.now,
      },
    });
  }
  for (const key of draft.atRiskKeys) {
    const line = final.lines.get(key);
    if (line !== undefined && line.waiting > 0 && !line.atRisk) {
      events.push({
        type: 'BackorderAtRisk',
        data: {
          orderId: line.orderId,
          lineId: line.lineId,
          eta: formatOptionalDay(line.etaDay),
          etaConfidence: line.etaConfidence,
          deadline: line.deadline,
          flaggedAt: draft.now,
        },
      });
    }
  }
  return events;
}

function finalEta(state: FulfillmentState, orderId: string, lineId: string): Eta {
  const line = state.lines.get(lineKey(orderId, lineId));
  return line === undefined || line.waiting === 0 ? { day: null, confidence: null } : { day: line.etaDay, confidence: line.etaConfidence };
}
