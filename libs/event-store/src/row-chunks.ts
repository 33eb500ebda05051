/**
 * Rows per INSERT statement when a transaction writes many events or outbox messages. pg sends
 * each array parameter as one string, built in memory with every element escaped; a statement of
 * 100,000 rows held several hundred megabytes of such text at once. In statements of this many
 * rows a writer holds the text of one statement at a time, for a round trip every few thousand rows.
 */
export const ROWS_PER_STATEMENT = 2_000;

/** The items in consecutive groups of at most `size`, taken from the iterable as they are needed. */
export function* chunksOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
