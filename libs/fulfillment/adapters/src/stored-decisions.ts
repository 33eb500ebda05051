import { deterministicId } from '@restock/contracts';
import { appendToStreams, enqueue, NewEvent, Queryable, ROWS_PER_STATEMENT, StreamAppend } from '@restock/event-store';
import { CausedEvent, DecidedInput, etaNettingOf, factsIn } from './fulfillment-facts';
import { streamIdOf } from './sku-states';

/**
 * Events stored per round: one INSERT of events and one of their facts. A round's ids, event
 * records and facts are all that exist of them at a time, so a reschedule re-dating 100,000 lines
 * holds its decided events and one round, not 100,000 of each.
 */
export const EVENTS_PER_ROUND = ROWS_PER_STATEMENT;

/** The id the `index`th event an input decided is stored under; replaying the input re-creates it. */
export function storedEventId(input: DecidedInput, index: number): string {
  return deterministicId(input.inputId, input.sku, String(index));
}

/** Events `from` to `to` (exclusive) of an input; `position` is the first one's index in the batch. */
interface InputSpan {
  readonly input: DecidedInput;
  readonly from: number;
  readonly to: number;
  readonly position: number;
}

/** The batch's events in rounds of at most `size`, as spans of inputs: no object per event. */
function* roundsOf(inputs: readonly DecidedInput[], size: number): Generator<InputSpan[]> {
  let round: InputSpan[] = [];
  let count = 0;
  let position = 0;
  for (const input of inputs) {
    for (let from = 0; from < input.events.length; ) {
      const to = Math.min(input.events.length, from + size - count);
      round.push({ input, from, to, position });
      count += to - from;
      position += to - from;
      from = to;
      if (count === size) {
        yield round;
        round = [];
        count = 0;
      }
    }
  }
  if (round.length > 0) yield round;
}

/**
 * Appends a batch's events to their SKU streams and enqueues their public facts, in the caller's
 * transaction, in rounds of EVENTS_PER_ROUND events. `versions` holds each stream's version the
 * decisions were made against; a round appends from where the previous one left the stream, so a
 * stale stream fails its first append and the transaction stores nothing. Facts keep the batch's
 * input order, as one statement would have written them.
 */
export async function storeDecisions(tx: Queryable, inputs: readonly DecidedInput[], versions: ReadonlyMap<string, number>): Promise<void> {
  const netting = etaNettingOf(inputs);
  const streamVersions = new Map(versions);
  for (const round of roundsOf(inputs, EVENTS_PER_ROUND)) {
    const ids = idsOf(round);
    await appendToStreams(tx, appendsOf(round, ids, streamVersions));
    await enqueue(tx, factsIn(causedEventsOf(round, ids), netting));
  }
}

function idsOf(round: readonly InputSpan[]): string[] {
  const ids: string[] = [];
  for (const { input, from, to } of round) {
    for (let index = from; index < to; index += 1) ids.push(storedEventId(input, index));
  }
  return ids;
}

/** A round's events by stream, in the order the streams first appear in it; advances `streamVersions`. */
function appendsOf(round: readonly InputSpan[], ids: readonly string[], streamVersions: Map<string, number>): StreamAppend[] {
  const bySku = new Map<string, NewEvent[]>();
  let at = 0;
  for (const { input, from, to } of round) {
    // One metadata object per input: a reschedule decides one event per waiting line.
    const metadata = { causationId: input.inputId, now: input.time };
    let events = bySku.get(input.sku);
    if (events === undefined) {
      events = [];
      bySku.set(input.sku, events);
    }
    for (let index = from; index < to; index += 1) {
      const event = input.events[index]!;
      events.push({ id: ids[at]!, type: event.type, data: event.data, metadata });
      at += 1;
    }
  }
  return [...bySku].map(([sku, events]) => {
    const expectedVersion = streamVersions.get(sku)!;
    streamVersions.set(sku, expectedVersion + events.length);
    return { streamId: streamIdOf(sku), expectedVersion, events };
  });
}

function* causedEventsOf(round: readonly InputSpan[], ids: readonly string[]): Generator<CausedEvent> {
  let at = 0;
  for (const { input, from, to, position } of round) {
    for (let index = from; index < to; index += 1) {
      yield { eventId: ids[at]!, sku: input.sku, event: input.events[index]!, inputId: input.inputId, time: input.time, position: position + index - from };
      at += 1;
    }
  }
}
