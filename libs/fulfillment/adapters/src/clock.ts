/** Where the fulfillment service reads the time for ticks and reads; tests pass their own. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };
