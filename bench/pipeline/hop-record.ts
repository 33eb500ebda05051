import { appendToStreams, claimInputs, Database, EVENT_STORE_MIGRATIONS, runMigrations, StreamAppend } from '@restock/event-store';

/** One consumed message as a hop of the relay chain records it. */
export interface RecordedInput {
  /** The input's id: the CloudEvent's id, or topic/partition/offset for the chain's own messages. */
  readonly id: string;
  /** The Kafka key: the stream the input's event is appended to, and the lock taken for it. */
  readonly key: string;
  readonly data: unknown;
}

/**
 * The least an idempotent, event-sourced hop writes to PostgreSQL, with the product's own event
 * store: one transaction per consumed batch that locks the batch's keys, records the input ids
 * (claimInputs) and appends one event per fresh input to the stream of its key (appendToStreams,
 * by COPY). No validation, decisions, read models nor outbox: what is left of the product's
 * cost against this chain is the services' own work, not the database the design asks for.
 */
export class HopRecorder {
  /** Each stream's version: a hop's streams are written by its one consumer only. */
  private readonly versions = new Map<string, number>();

  private constructor(private readonly db: Database) {}

  /** A hop's recorder in its own schema (as each service has its own), migrated like a service's. */
  static async open(url: string, schema: string): Promise<HopRecorder> {
    await runMigrations(url, schema, EVENT_STORE_MIGRATIONS);
    return new HopRecorder(new Database(url, schema));
  }

  async record(inputs: readonly RecordedInput[]): Promise<void> {
    if (inputs.length === 0) return;
    const next = await this.db.transaction(
      async (tx) => {
        const fresh = await claimInputs(
          tx,
          'relay-chain',
          inputs.map((input) => input.id),
        );
        const byKey = new Map<string, RecordedInput[]>();
        for (const input of inputs) {
          if (!fresh.delete(input.id)) continue;
          const same = byKey.get(input.key);
          if (same === undefined) byKey.set(input.key, [input]);
          else same.push(input);
        }
        const appends: StreamAppend[] = [...byKey].map(([key, keyed]) => ({
          streamId: key,
          expectedVersion: this.versions.get(key) ?? 0,
          events: keyed.map((input) => ({ id: input.id, type: 'Relayed', data: input.data })),
        }));
        await appendToStreams(tx, appends);
        return appends;
      },
      { lockKeys: [...new Set(inputs.map((input) => input.key))] },
    );
    for (const { streamId, expectedVersion, events } of next) this.versions.set(streamId, expectedVersion + events.length);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
