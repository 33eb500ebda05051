import { assert } from './assertion';
import type { OrderLine } from './fulfillment-state';

interface LineLookup {
  get(key: string): OrderLine | undefined;
}

/**
 * The waiting lines of a SKU in queue order, as parallel arrays of line keys and ranks sorted by
 * rank. Entries are removed lazily: an entry is live while its line exists, waits and still has
 * that rank. Allocation pops from the head by moving an index, a line that leaves anywhere costs
 * O(1), and a decision borrows the arrays, copying them only if it inserts into them.
 */
export interface BackorderQueue {
  keys: string[];
  ranks: number[];
  head: number;
  /** Number of live entries: the queue depth in lines. */
  length: number;
  /** Set while the arrays belong to another queue: they are copied before the first write. */
  borrowed?: true;
}

// Dead entries are dropped once they outnumber live ones and exceed this many.
const DEAD_ENTRIES_COMPACTION_MIN = 1024;

export function emptyQueue(): BackorderQueue {
  return { keys: [], ranks: [], head: 0, length: 0 };
}

/**
 * A queue that can change without touching the original. Allocation only moves the head and
 * compaction builds new arrays, so the arrays are shared until a line joins or moves to the head:
 * a receipt or a cancellation on a hot SKU then copies nothing.
 */
export function cloneQueue(queue: BackorderQueue): BackorderQueue {
  return { keys: queue.keys, ranks: queue.ranks, head: queue.head, length: queue.length, borrowed: true };
}

function ownArrays(queue: BackorderQueue): void {
  if (queue.borrowed === true) {
    queue.keys = queue.keys.slice(queue.head);
    queue.ranks = queue.ranks.slice(queue.head);
    queue.head = 0;
    delete queue.borrowed;
  }
}

export function liveLineAt(
  queue: BackorderQueue,
  lines: LineLookup,
  index: number,
): OrderLine | undefined {
  const line = lines.get(queue.keys[index]);
  return line !== undefined && line.waiting > 0 && line.rank === queue.ranks[index] ? line : undefined;
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
  } else {
    queue.keys.splice(index, 0, line.key);
    queue.ranks.splice(index, 0, line.rank);
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
  } else {
    queue.keys.unshift(line.key);
    queue.ranks.unshift(line.rank);
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
  for (let index = queue.head; index < queue.keys.length; index += 1) {
    if (liveLineAt(queue, lines, index) !== undefined) {
      keys.push(queue.keys[index]);
      ranks.push(queue.ranks[index]);
    }
  }
  assert(keys.length === queue.length, 'queue length disagrees with its live entries');
  queue.keys = keys;
  queue.ranks = ranks;
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
    head: 0,
    length: waiting.length,
  };
}
