import type { FulfillmentCommand } from '../commands';
import { decide } from '../decide';
import type { FulfillmentEvent } from '../events';
import { evolve } from '../evolve';
import { type FulfillmentState, initialState } from '../fulfillment-state';
import type { RejectionCode } from '../rejection';
import { snapshot } from '../snapshot';

export const SKU = 'DESK-WALNUT';

type History = FulfillmentEvent | FulfillmentCommand;

/** An expected event: its type and the data fields that matter to the spec. */
export interface ExpectedEvent {
  readonly type: FulfillmentEvent['type'];
  readonly data?: Record<string, unknown>;
}

function isCommand(item: History): item is FulfillmentCommand {
  return 'metadata' in item;
}

/** Applies past events, or decides and applies past commands, which must not be rejected. */
export function stateAfter(history: readonly History[]): FulfillmentState {
  const state = initialState(SKU);
  for (const item of history) {
    if (!isCommand(item)) {
      evolve(state, item);
      continue;
    }
    const decision = decide(item, state);
    if (decision.status === 'REJECTED') {
      throw new Error(`given ${item.type} was rejected: ${decision.rejection.code}`);
    }
    decision.events.forEach((event) => evolve(state, event));
  }
  return state;
}

export function given(...history: History[]) {
  return {
    when(command: FulfillmentCommand) {
      const state = stateAfter(history);
      const before = snapshot(state);
      const decision = decide(command, state);
      expect(snapshot(state)).toEqual(before);
      return outcome(state, decision);
    },
  };
}

function outcome(state: FulfillmentState, decision: ReturnType<typeof decide>) {
  const events = (): readonly FulfillmentEvent[] => {
    if (decision.status === 'REJECTED') {
      throw new Error(`expected events, got rejection ${decision.rejection.code}`);
    }
    return decision.events;
  };
  return {
    /** Exactly these events in this order; each listed data field must match. */
    then(...expected: ExpectedEvent[]) {
      expect(events()).toEqual(
        expected.map((event) => expect.objectContaining({ type: event.type, data: expect.objectContaining(event.data ?? {}) })),
      );
      return this;
    },
    thenNothingHappens() {
      expect(events()).toEqual([]);
      return this;
    },
    thenRejects(code: RejectionCode) {
      expect(decision.status === 'REJECTED' ? decision.rejection.code : 'DECIDED').toBe(code);
      return this;
    },
    /** Checks the state after the events are applied. */
    thenState(check: (after: FulfillmentState) => void) {
      events().forEach((event) => evolve(state, event));
      check(state);
      return this;
    },
    get events() {
      return events();
    },
  };
}
