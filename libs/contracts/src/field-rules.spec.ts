import fc from 'fast-check';
import { isCalendarDate, isRfc3339Timestamp } from './field-rules';

describe('RFC 3339 timestamps', () => {
  test.each([
    '2026-12-01T00:00:00Z',
    '2026-12-01T23:59:59.999999999Z',
    '2024-02-29T12:00:00+05:30',
    '2026-12-01T00:00:00-00:00',
  ])('%s is accepted', (value) => {
    expect(isRfc3339Timestamp(value)).toBe(true);
    expect(Number.isNaN(Date.parse(value))).toBe(false);
  });

  test.each([
    '2026-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-12-01T00:60:00Z',
    '2026-12-01T00:00:60Z',
    '2026-12-01T00:00:00',
    '2026-12-01T00:00:00+25:00',
    '2026-12-01T00:00:00.Z',
    '2026-12-01 00:00:00Z',
    '2026-12-01',
    ' 2026-12-01T00:00:00Z',
    1_764_547_200_000,
    null,
    new Date('2026-12-01T00:00:00Z'),
  ])('%p is rejected', (value) => {
    expect(isRfc3339Timestamp(value)).toBe(false);
  });
});

describe('calendar dates', () => {
  test.each(['2026-12-05', '2024-02-29', '2026-01-31'])('%s is accepted', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  test.each(['2025-02-29', '2026-00-10', '2026-12-32', '2026-12-5', '2026-12-05T00:00:00Z', 20261205, null])(
    '%p is rejected',
    (value) => {
      expect(isCalendarDate(value)).toBe(false);
    },
  );
});

describe('the day of a date or timestamp', () => {
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  /** The day Date itself makes of a year, month and day (setUTCFullYear: Date.UTC reads years 0–99 as 1900–1999). */
  const dateAgrees = (year: number, month: number, day: number) => {
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  };

  it('is accepted exactly when Date has that day (leap years included), and what is accepted parses with Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (year, month, day) => {
        const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
        const exists = month >= 1 && month <= 12 && day >= 1 && dateAgrees(year, month, day);
        expect(isCalendarDate(date)).toBe(exists);
        expect(isRfc3339Timestamp(`${date}T12:30:00Z`)).toBe(exists);
        if (exists) expect(Number.isNaN(Date.parse(`${date}T12:30:00Z`))).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  test.each(['2000-02-29', '2400-02-29', '0000-02-29'])('%s, a leap day of a year divisible by 400, is accepted', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  test.each(['1900-02-29', '2100-02-29'])('%s, a century not divisible by 400, is rejected', (value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});
