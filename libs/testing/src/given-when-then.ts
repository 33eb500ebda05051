/**
 * Specification-style tests for deciders: given past events, when a command, then these events
 * (or this rejection). Works with any decide/evolve pair over plain data.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function specification<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return (given: readonly Event[]) => ({
    when: (command: Command) => {
      const state = given.reduce((current, event) => decider.evolve(current, event), decider.initialState());
      const act = () => decider.decide(command, state);
      return {
        then: (expected: readonly Event[]) => expect(act()).toEqual(expected),
        thenThrows: (code: string) => expect(act).toThrow(code),
        events: act,
      };
    },
  });
}
