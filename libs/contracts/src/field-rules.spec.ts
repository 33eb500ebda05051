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
