import { assert } from './assertion';

export const MS_PER_DAY = 86_400_000;

// RFC 3339 instants must carry their offset; a bare date means midnight UTC. A local time without
// an offset would make the result depend on the machine's time zone, so it is refused.
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

// Formatting and parsing days is on the hot path of re-dating a long queue, while the number of
// distinct days in play is small; each cache is cleared when it reaches this size.
const FORMATTED_DAYS_CACHE_MAX = 4096;
const formattedDays = new Map<number, string>();
const parsedDays = new Map<string, number>();

// The instant parsed last: a read or a decision parses its "now" several times over (availability
// three times a request), and consecutive inputs often share their time.
let lastInstant: string | null = null;
let lastInstantMs = 0;

/** Milliseconds since the epoch of an RFC 3339 instant. */
export function instantMs(instant: string, field: string): number {
  if (instant === lastInstant) return lastInstantMs;
  const ms = INSTANT_PATTERN.test(instant) ? Date.parse(instant) : Number.NaN;
  assert(Number.isFinite(ms), `${field} must be an RFC 3339 instant with offset, got ${instant}`);
  lastInstant = instant;
  lastInstantMs = ms;
  return ms;
}

/** The UTC calendar day (days since 1970-01-01) an instant falls on. */
export function dayOfMs(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

export function addDaysToMs(ms: number, days: number): number {
  return ms + days * MS_PER_DAY;
}

/** 'YYYY-MM-DD' of a UTC day number. */
export function formatDay(day: number): string {
  const cached = formattedDays.get(day);
  if (cached !== undefined) {
    return cached;
  }
  if (formattedDays.size >= FORMATTED_DAYS_CACHE_MAX) {
    formattedDays.clear();
  }
  const text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
  formattedDays.set(day, text);
  return text;
}

export function formatOptionalDay(day: number | null): string | null {
  return day === null ? null : formatDay(day);
}

export function parseDay(text: string): number {
  const cached = parsedDays.get(text);
  if (cached !== undefined) {
    return cached;
  }
  assert(DAY_PATTERN.test(text), `a day must be YYYY-MM-DD, got ${text}`);
  const day = dayOfMs(Date.parse(text));
  if (parsedDays.size >= FORMATTED_DAYS_CACHE_MAX) {
    parsedDays.clear();
  }
  parsedDays.set(text, day);
  return day;
}

export function parseOptionalDay(text: string | null): number | null {
  return text === null ? null : parseDay(text);
}
