import { BadRequestException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { cloudEvent, ID_LENGTH_MAX } from '@restock/contracts';
import { enqueue, Queryable } from '@restock/event-store';
import { SOURCE } from './supply-batch';

export interface AcceptedInput {
  readonly id: string;
}

/**
 * Writes an HTTP input to the outbox addressed to its input topic, so the service's own consumer
 * handles it exactly like the same message from the upstream system, in that topic's order.
 */
export async function forwardToInputTopic(db: Queryable, input: { topic: string; key: string; id: string; type: string; data: object }): Promise<AcceptedInput> {
  const value = cloudEvent({ id: input.id, source: SOURCE, type: input.type, time: new Date().toISOString(), data: input.data });
  await enqueue(db, [{ topic: input.topic, key: input.key, value }]);
  return { id: input.id };
}

/** An input that has no natural key of its own: every request is a new input. */
export function freshInputId(): string {
  return randomUUID();
}

export function checkedEntityId(field: string, value: string): string {
  if (value.length < 1 || value.length > ID_LENGTH_MAX) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: 'the request is not valid',
      fields: [{ field, errors: [`${field} must be 1 to ${ID_LENGTH_MAX} characters`] }],
    });
  }
  return value;
}
