/**
 * A min-heap of waiting lines by backorder deadline, so that an input can tell in O(1) whether a
 * deadline has passed without walking the queue. Entries go stale when their line stops needing
 * attention; stale entries are popped when they reach the top.
 */
export interface DeadlineEntry {
  readonly deadlineMs: number;
  readonly key: string;
}

function precedes(a: DeadlineEntry, b: DeadlineEntry): boolean {
  return a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.key < b.key);
}

export function watchDeadline(watch: DeadlineEntry[], entry: DeadlineEntry): void {
  watch.push(entry);
  let index = watch.length - 1;
  while (index > 0) {
    const parent = (index - 1) >>> 1;
    if (!precedes(watch[index], watch[parent])) {
      break;
    }
    [watch[index], watch[parent]] = [watch[parent], watch[index]];
    index = parent;
  }
}

/** Pops entries from the top while they need no attention. */
export function dropSettledDeadlines(watch: DeadlineEntry[], isSettled: (key: string) => boolean): void {
  while (watch.length > 0 && isSettled(watch[0].key)) {
    const last = watch.pop() as DeadlineEntry;
    if (watch.length > 0) {
      watch[0] = last;
      siftDown(watch, 0);
    }
  }
}

export function deadlineWatchOf(entries: DeadlineEntry[]): DeadlineEntry[] {
  const watch = entries.slice();
  for (let index = (watch.length >>> 1) - 1; index >= 0; index -= 1) {
    siftDown(watch, index);
  }
  return watch;
}

function siftDown(watch: DeadlineEntry[], start: number): void {
  let index = start;
  for (;;) {
    const left = 2 * index + 1;
    const right = left + 1;
    let first = index;
    if (left < watch.length && precedes(watch[left], watch[first])) {
      first = left;
    }
    if (right < watch.length && precedes(watch[right], watch[first])) {
      first = right;
    }
    if (first === index) {
      return;
    }
    [watch[index], watch[first]] = [watch[first], watch[index]];
    index = first;
  }
}
