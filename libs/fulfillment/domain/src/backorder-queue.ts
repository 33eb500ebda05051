import { assert } from './assertion';
import type { OrderLine } from './fulfillment-state';
import { LineBookDraft } from './line-book';

interface LineLookup {
  get(key: string): OrderLine | undefined;
}

/**
 * The waiting lines of a SKU in queue order, as parallel arrays of line keys, ranks and records
 * sorted by rank. Entries are removed lazily: an entry is live while its line exists, waits and
 * still has that rank. Allocation pops from the head by moving an index, a line that leaves
 * anywhere costs O(1), and a decision borrows the arrays, copying them only if it inserts into them.
 */
export interface BackorderQueue {
  keys: string[];
  ranks: number[];
  /**
   * Each entry's line record as the owned state holds it (undefined once the line is gone), so a
   * walk of the queue reads the records in order instead of looking every key up in a map of
   * 100,000 lines, which costs a cache miss or several per line. An owned state keeps them current
   * (see `syncQueueRecord`); a decision's working copy reads its own changes first (see `liveLineAt`).
   */
  records: (OrderLine | undefined)[];
  head: number;
  /** Number of live entries: the queue depth in lines. */
  length: number;
  /** Set while the arrays belong to another queue: they are copied before the first write. */
  borrowed?: true;
}

// Dead entries are dropped once they outnumber live ones and exceed this many.
const DEAD_ENTRIES_COMPACTION_MIN = 1024;

export function emptyQueue(): BackorderQueue {
  return { keys: [], ranks: [], records: [], head: 0, length: 0 };
}

/**
 * A queue that can change without touching the original. Allocation only moves the head and
 * compaction builds new arrays, so the arrays are shared until a line joins or moves to the head:
 * a receipt or a cancellation on a hot SKU then copies nothing.
 */
export function cloneQueue(queue: BackorderQueue): BackorderQueue {
  return { keys: queue.keys, ranks: queue.ranks, records: queue.records, head: queue.head, length: queue.length, borrowed: true };
}

function ownArrays(queue: BackorderQueue): void {
  if (queue.borrowed === true) {
    queue.keys = queue.keys.slice(queue.head);
    queue.ranks = queue.ranks.slice(queue.head);
    queue.records = queue.records.slice(queue.head);
    queue.head = 0;
    delete queue.borrowed;
  }
}

/**
 * The line of a live entry, or undefined. An owned state's records are current; a working copy's
 * own changes override the records it borrowed from the owned state it was made of.
 */
export function liveLineAt(
  queue: BackorderQueue,
  lines: LineLookup,
  index: number,
): OrderLine | undefined {
  const record = queue.records[index];
  const line = lines instanceof LineBookDraft ? lines.overlay(queue.keys[index], record) : record;
  return line !== undefined && line.waiting > 0 && line.rank === queue.ranks[index] ? line : undefined;
}

/**
 * Keeps an owned state's queue records current: call whenever the owned state stores a new record
 * for a line (undefined when it forgets the line) that may have an entry at `rank`. Costs a binary
 * search; entries of other lines are left alone.
 */
export function syncQueueRecord(queue: BackorderQueue, key: string, rank: number, record: OrderLine | undefined): void {
  assert(queue.borrowed !== true, 'only an owned queue keeps its records current');
  const index = firstIndexWithRankAtLeast(queue, rank);
  if (index < queue.keys.length && queue.ranks[index] === rank && queue.keys[index] === key) {
    queue.records[index] = record;
  }
}

export function waitingLinesInOrder(queue: BackorderQueue, lines: LineLookup): OrderLine[] {
  const waiting: OrderLine[] = [];
  for (let index = queue.head; index < queue.keys.length; index += 1) {
    const line = liveLineAt(queue, lines, index);
    if (line !== undefined) {
      waiting.push(line);
    }
  }
  return waiting;
}

export function headLine(queue: BackorderQueue, lines: LineLookup): OrderLine | undefined {
  for (let index = queue.head; index < queue.keys.length; index += 1) {
    const line = liveLineAt(queue, lines, index);
    if (line !== undefined) {
      return line;
    }
  }
  return undefined;
}

export function tailLine(queue: BackorderQueue, lines: LineLookup): OrderLine | undefined {
  for (let index = queue.keys.length - 1; index >= queue.head; index -= 1) {
    const line = liveLineAt(queue, lines, index);
    if (line !== undefined) {
      return line;
    }
  }
  return undefined;
}

/**
 * Puts a line that starts waiting at its rank: the tail for a new line, its original FIFO position
 * for a line whose allocation was revoked. Call after the line's record says it waits.
 */
export function joinQueue(queue: BackorderQueue, line: OrderLine): void {
  ownArrays(queue);
  const index = firstIndexWithRankAtLeast(queue, line.rank);
  if (index < queue.keys.length && queue.ranks[index] === line.rank) {
    assert(queue.keys[index] === line.key, `queue rank ${line.rank} belongs to another line`);
    queue.records[index] = line;
  } else {
    queue.keys.splice(index, 0, line.key);
    queue.ranks.splice(index, 0, line.rank);
    queue.records.splice(index, 0, line);
  }
  queue.length += 1;
}

/** Puts an expedited line in front of everyone. Call after the line's record holds the new rank. */
export function moveToHead(queue: BackorderQueue, line: OrderLine): void {
  assert(queue.head >= queue.keys.length || line.rank < queue.ranks[queue.head], 'an expedited rank must lead the queue');
  ownArrays(queue);
  if (queue.head > 0) {
    queue.head -= 1;
    queue.keys[queue.head] = line.key;
    queue.ranks[queue.head] = line.rank;
    queue.records[queue.head] = line;
  } else {
    queue.keys.unshift(line.key);
    queue.ranks.unshift(line.rank);
    queue.records.unshift(line);
  }
}

/** Records that a line stopped waiting. Call after the line's record says so. */
export function leaveQueue(queue: BackorderQueue, lines: LineLookup): void {
  queue.length -= 1;
  while (queue.head < queue.keys.length && liveLineAt(queue, lines, queue.head) === undefined) {
    queue.head += 1;
  }
  const deadEntries = queue.keys.length - queue.length;
  if (deadEntries > DEAD_ENTRIES_COMPACTION_MIN && deadEntries > queue.length) {
    compact(queue, lines);
  }
}

function compact(queue: BackorderQueue, lines: LineLookup): void {
  const keys: string[] = [];
  const ranks: number[] = [];
  const records: OrderLine[] = [];
  for (let index = queue.head; index < queue.keys.length; index += 1) {
    const line = liveLineAt(queue, lines, index);
    if (line !== undefined) {
      keys.push(queue.keys[index]);
      ranks.push(queue.ranks[index]);
      records.push(line);
    }
  }
  assert(keys.length === queue.length, 'queue length disagrees with its live entries');
  queue.keys = keys;
  queue.ranks = ranks;
  queue.records = records;
  queue.head = 0;
  delete queue.borrowed;
}

function firstIndexWithRankAtLeast(queue: BackorderQueue, rank: number): number {
  let low = queue.head;
  let high = queue.keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (queue.ranks[middle] < rank) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/** Rebuilds the queue from line records, for restore. */
export function queueOf(lines: Iterable<OrderLine>): BackorderQueue {
  const waiting = [...lines].filter((line) => line.waiting > 0).sort((a, b) => a.rank - b.rank);
  return {
    keys: waiting.map((line) => line.key),
    ranks: waiting.map((line) => line.rank),
    records: waiting,
    head: 0,
    length: waiting.length,
  };
}
