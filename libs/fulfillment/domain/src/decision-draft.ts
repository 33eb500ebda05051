import { assert } from './assertion';
import { dayOfMs, formatOptionalDay, instantMs } from './calendar';
import { type Eta, type EtaRevision, type KnownUnchanged, reviewQueue } from './eta-projection';
import type { AllocationRevoked, EtaChangeCause, FulfillmentEvent, LineEtaChanged } from './events';
import { evolve, setLineEta } from './evolve';
import { type FulfillmentState, type OrderLine, lineKey, workingCopyOf, policyOf } from './fulfillment-state';

export type EtaCauseOf = (line: OrderLine, previous: Eta, next: Eta) => EtaChangeCause;

interface PendingEtas {
  readonly lines: readonly OrderLine[];
  readonly etas: readonly Eta[];
  readonly causeOf: EtaCauseOf;
}

/**
 * The work in progress of one decision. Steps that need to see the effect of earlier steps apply
 * their events to a private copy of the state (made on first use, lines copied on write), never to
 * the caller's state. The ETAs of the latest queue review stay pending until a later step needs
 * them, because the last review usually re-dates many lines and nothing reads them afterwards.
 * ETA changes are netted per line: only the change over the whole input is emitted.
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
  pending: PendingEtas | null;
  /** ETAs as they were before settled reviews changed them, and why they changed last. */
  readonly etaBefore: Map<string, Eta>;
  readonly etaCause: Map<string, EtaChangeCause>;
  readonly revocationIndexes: number[];
  /** The lines the latest queue review found newly at risk. */
  atRisk: readonly EtaRevision[];
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
    pending: null,
    etaBefore: new Map(),
    etaCause: new Map(),
    revocationIndexes: [],
    atRisk: [],
  };
}

export function currentState(draft: DecisionDraft): FulfillmentState {
  assert(!draft.sealed, 'the draft state was read after an event that was not applied');
  if (draft.scratch === null) {
    return draft.base;
  }
  settlePendingEtas(draft, draft.scratch);
  return draft.scratch;
}

function workingCopy(draft: DecisionDraft): FulfillmentState {
  assert(!draft.sealed, 'the draft was changed after an event that was not applied');
  draft.scratch ??= workingCopyOf(draft.base);
  settlePendingEtas(draft, draft.scratch);
  return draft.scratch;
}

function settlePendingEtas(draft: DecisionDraft, scratch: FulfillmentState): void {
  const pending = draft.pending;
  if (pending === null) {
    return;
  }
  draft.pending = null;
  for (let index = 0; index < pending.lines.length; index += 1) {
    const line = pending.lines[index];
    const eta = pending.etas[index];
    const current = scratch.lines.get(line.key);
    if (current === undefined || current.waiting === 0) {
      continue;
    }
    const previous: Eta = { day: current.etaDay, confidence: current.etaConfidence };
    if (!draft.etaBefore.has(line.key)) {
      draft.etaBefore.set(line.key, previous);
    }
    draft.etaCause.set(line.key, pending.causeOf(current, previous, eta));
    setLineEta(scratch, line.key, eta.day, eta.confidence);
  }
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

/**
 * Re-projects every waiting line (rules 3, 6, 10) on the working copy; with `unchanged`, only as far
 * as lines can differ (see reviewQueue).
 */
export function reviewWaitingLines(draft: DecisionDraft, causeOf: EtaCauseOf, unchanged?: KnownUnchanged): void {
  const state = workingCopy(draft);
  const policy = policyOf(state);
  if (policy === null || state.queue.length === 0) {
    draft.atRisk = [];
    return;
  }
  const review = reviewQueue(state, policy, draft.nowMs, draft.today, unchanged);
  const stoppedAt = review.stoppedAt;
  // Lines past where the walk stopped keep what an earlier review of this decision found at risk.
  const atRiskBeyond = stoppedAt === null ? [] : draft.atRisk.filter(({ line }) => (state.lines.get(line.key)?.rank ?? Number.NEGATIVE_INFINITY) > stoppedAt.rank);
  for (const { line, quantity, reason } of review.cancellations) {
    apply(draft, {
      type: 'LineCancelled',
      data: { orderId: line.orderId, lineId: line.lineId, quantity, releasedQuantity: 0, reason, cancelledAt: draft.now },
    });
  }
  draft.pending = { lines: review.revisedLines, etas: review.revisedEtas, causeOf };
  draft.atRisk = atRiskBeyond.length === 0 ? review.atRisk : [...review.atRisk, ...atRiskBeyond];
}

/**
 * The events of the decision: revocations carry the line's final ETA, then one ETA change per line
 * whose ETA differs from what it was told last, then the lines that became at risk.
 */
export function closeDraft(draft: DecisionDraft): FulfillmentEvent[] {
  const events = draft.events.slice();
  const final = draft.scratch;
  if (final === null) {
    return events;
  }
  const pending: PendingEtas = draft.pending ?? { lines: [], etas: [], causeOf: () => 'QUEUE_MOVED' };
  const needsLookup = draft.revocationIndexes.length > 0 || draft.etaBefore.size > 0;
  const pendingByKey = new Map<string, Eta>();
  if (needsLookup) {
    pending.lines.forEach((line, index) => pendingByKey.set(line.key, pending.etas[index]));
  }
  const finalEta = (line: OrderLine): Eta => pendingByKey.get(line.key) ?? { day: line.etaDay, confidence: line.etaConfidence };
  const toldByRevocation = new Set<string>();
  for (const index of draft.revocationIndexes) {
    const revoked = events[index] as AllocationRevoked;
    const key = lineKey(revoked.data.orderId, revoked.data.lineId);
    const line = waitingLine(final, key);
    const eta = line === undefined ? { day: null, confidence: null } : finalEta(line);
    events[index] = { ...revoked, data: { ...revoked.data, eta: formatOptionalDay(eta.day), etaConfidence: eta.confidence } };
    toldByRevocation.add(key);
  }
  // Nothing is applied after the latest review but its own cancellations, which leave the revised
  // lines waiting with the ETA they had: the revision's line record is still current for its ETA.
  for (let index = 0; index < pending.lines.length; index += 1) {
    const line = pending.lines[index];
    if (!toldByRevocation.has(line.key)) {
      const current: Eta = { day: line.etaDay, confidence: line.etaConfidence };
      const eta = pending.etas[index];
      pushEtaChange(events, draft, line, draft.etaBefore.get(line.key) ?? current, eta, pending.causeOf(line, current, eta));
    }
  }
  for (const [key, before] of draft.etaBefore) {
    const current = toldByRevocation.has(key) || pendingByKey.has(key) ? undefined : waitingLine(final, key);
    if (current !== undefined) {
      pushEtaChange(events, draft, current, before, finalEta(current), draft.etaCause.get(key) as EtaChangeCause);
    }
  }
  for (const { line, eta } of draft.atRisk) {
    if (waitingLine(final, line.key) !== undefined && !line.atRisk) {
      events.push({
        type: 'BackorderAtRisk',
        data: {
          orderId: line.orderId,
          lineId: line.lineId,
          eta: formatOptionalDay(eta.day),
          etaConfidence: eta.confidence,
          deadline: line.deadline,
          flaggedAt: draft.now,
        },
      });
    }
  }
  return events;
}

function waitingLine(state: FulfillmentState, key: string): OrderLine | undefined {
  const line = state.lines.get(key);
  return line !== undefined && line.waiting > 0 ? line : undefined;
}

function pushEtaChange(
  events: FulfillmentEvent[],
  draft: DecisionDraft,
  line: OrderLine,
  before: Eta,
  after: Eta,
  cause: EtaChangeCause,
): void {
  if (before.day === after.day && before.confidence === after.confidence) {
    return;
  }
  const change: LineEtaChanged = {
    type: 'LineEtaChanged',
    data: {
      orderId: line.orderId,
      lineId: line.lineId,
      previousEta: formatOptionalDay(before.day),
      previousEtaConfidence: before.confidence,
      eta: formatOptionalDay(after.day),
      etaConfidence: after.confidence,
      cause,
      changedAt: draft.now,
    },
  };
  events.push(change);
}
