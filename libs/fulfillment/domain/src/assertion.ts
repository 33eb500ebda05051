/** A broken precondition: a bug in the caller or in this library, never a business outcome. */
export class FulfillmentAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FulfillmentAssertionError';
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new FulfillmentAssertionError(message);
  }
}

export function assertNever(value: never): never {
  throw new FulfillmentAssertionError(`Unhandled message: ${JSON.stringify(value)}`);
}

export function assertQuantity(value: number, field: string): void {
  assert(Number.isSafeInteger(value) && value >= 1, `${field} must be an integer >= 1, got ${value}`);
}
