import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { cloudEvent, PRODUCT_DEFINED, PRODUCT_DISCONTINUED, TOPICS } from '@restock/contracts';
import { appendToStreams, ConcurrencyError, Database, enqueue, OutboxMessage, readStream } from '@restock/event-store';
import { decide, evolve, initialState, ProductCommand, ProductEvent, ProductState } from '@restock/catalog-domain';
import { projectProductEvents } from './products-read-model';

export const SOURCE = 'restock/catalog';
export const CONFLICT_RETRIES_MAX = 5;
export const PRODUCT_STREAM_PREFIX = 'product-';

function streamIdOf(sku: string): string {
  return `${PRODUCT_STREAM_PREFIX}${sku}`;
}

/** Maps a domain event to the public catalog event that the saga and the other services read. */
function toIntegrationEvent(event: ProductEvent, id: string): OutboxMessage {
  switch (event.type) {
    case 'ProductDefined':
      return {
        topic: TOPICS.catalogEvents,
        key: event.data.sku,
        value: cloudEvent({ id, source: SOURCE, type: PRODUCT_DEFINED, time: event.data.definedAt, data: { sku: event.data.sku, ...event.data.policy, definedAt: event.data.definedAt } }),
      };
    case 'ProductDiscontinued':
      return {
        topic: TOPICS.catalogEvents,
        key: event.data.sku,
        value: cloudEvent({ id, source: SOURCE, type: PRODUCT_DISCONTINUED, time: event.data.discontinuedAt, data: event.data }),
      };
    default: {
      const unknown: never = event;
      throw new Error(`unknown product event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Runs a product command: load the stream, decide, append with the expected version, update the
 * read model and enqueue the integration events, all in one transaction; retried on a conflict.
 */
@Injectable()
export class ProductCommands {
  constructor(private readonly db: Database) {}

  async execute(command: ProductCommand): Promise<readonly ProductEvent[]> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.executeOnce(command);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= CONFLICT_RETRIES_MAX) throw error;
      }
    }
  }

  private async executeOnce(command: ProductCommand): Promise<readonly ProductEvent[]> {
    const streamId = streamIdOf(command.data.sku);
    return this.db.transaction(
      async (tx) => {
        const history = await readStream(tx, streamId);
        const state = history.reduce<ProductState>((current, stored) => evolve(current, { type: stored.type, data: stored.data } as ProductEvent), initialState());
        const events = decide(command, state);
        if (events.length === 0) return events;
        const stored = events.map((event) => ({ id: randomUUID(), event }));
        await appendToStreams(tx, [
          { streamId, expectedVersion: history.length, events: stored.map(({ id, event }) => ({ id, type: event.type, data: event.data })) },
        ]);
        await projectProductEvents(tx, events.map((event, index) => ({ event, version: history.length + index + 1 })));
        await enqueue(tx, stored.map(({ id, event }) => toIntegrationEvent(event, id)));
        return events;
      },
      { lockKeys: [command.data.sku] },
    );
  }
}
