import fc from 'fast-check';
import { instantMs } from './calendar';

describe('instantMs', () => {
  const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());

  it('answers what Date makes of each instant, however often one repeats in a row', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(instant, fc.constant('2026-12-01T09:30:00+01:00')), { minLength: 1, maxLength: 30 }), fc.array(fc.nat({ max: 3 }), { maxLength: 30 }), (instants, repeats) => {
        const calls = instants.flatMap((value, index) => Array.from({ length: 1 + (repeats[index] ?? 0) }, () => value));
        for (const value of calls) expect(instantMs(value, 'now')).toBe(Date.parse(value));
      }),
    );
  });

  it('refuses an instant without an offset even right after a valid one', () => {
    expect(instantMs('2026-12-01T09:30:00Z', 'now')).toBe(Date.parse('2026-12-01T09:30:00Z'));
    expect(() => instantMs('2026-12-01T09:30:00', 'now')).toThrow('now must be an RFC 3339 instant with offset, got 2026-12-01T09:30:00');
    expect(() => instantMs('2026-12-01T09:30:00', 'now')).toThrow();
    expect(instantMs('2026-12-01T09:30:00Z', 'now')).toBe(Date.parse('2026-12-01T09:30:00Z'));
  });
});
