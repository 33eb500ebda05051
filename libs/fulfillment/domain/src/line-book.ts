import { assert } from './assertion';
import type { OrderLine } from './fulfillment-state';

/** The open lines of a SKU by key. A plain Map for the owned state; a copy-on-write view for a decision. */
export interface LineBook {
  get(key: string): OrderLine | undefined;
  has(key: string): boolean;
  set(key: string, line: OrderLine): unknown;
  delete(key: string): unknown;
  values(): IterableIterator<OrderLine>;
  readonly size: number;
}

const DELETED = null;

/**
 * Changes made while deciding, over lines it must not touch. Reads fall through to the original,
 * so starting a decision costs nothing however many lines wait.
 */
export class LineBookDraft implements LineBook {
  private readonly changes = new Map<string, OrderLine | typeof DELETED>();
  private added = 0;

  constructor(private readonly original: ReadonlyMap<string, OrderLine>) {
    assert(original instanceof Map, 'a draft is made over owned lines only');
  }

  get(key: string): OrderLine | undefined {
    if (this.changes.size === 0) {
      return this.original.get(key);
    }
    const changed = this.changes.get(key);
    return changed === undefined ? this.original.get(key) : (changed ?? undefined);
  }

  /** The line under `key` given its record in the original, without looking the original up. */
  overlay(key: string, original: OrderLine | undefined): OrderLine | undefined {
    if (this.changes.size === 0) {
      return original;
    }
    const changed = this.changes.get(key);
    return changed === undefined ? original : (changed ?? undefined);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, line: OrderLine): void {
    if (!this.has(key)) {
      this.added += 1;
    }
    this.changes.set(key, line);
  }

  delete(key: string): void {
    if (this.has(key)) {
      this.added -= 1;
      this.changes.set(key, DELETED);
    }
  }

  get size(): number {
    return this.original.size + this.added;
  }

  *values(): IterableIterator<OrderLine> {
    for (const [key, line] of this.original) {
      const changed = this.changes.get(key);
      if (changed === undefined) {
        yield line;
      } else if (changed !== DELETED) {
        yield changed;
      }
    }
    for (const [key, changed] of this.changes) {
      if (changed !== DELETED && !this.original.has(key)) {
        yield changed;
      }
    }
  }
}
