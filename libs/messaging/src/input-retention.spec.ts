import fc from 'fast-check';
import { inputIdKeepMs, inputIdRetention, InputRetentionPolicy, REDELIVERY_MARGIN_MS, TopicRetention } from './input-retention';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function topic(retentionMs: number, segmentMs = DAY, compactedOnly = false): TopicRetention {
  return { topic: `t-${retentionMs}-${segmentMs}`, retentionMs, segmentMs, compactedOnly };
}

const TOPICS: InputRetentionPolicy = { kind: 'topics', atLeastMs: 0 };

const retention = fc.record({
  topic: fc.string({ minLength: 1, maxLength: 20 }),
  retentionMs: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 365 * DAY })),
  segmentMs: fc.integer({ min: 1, max: 30 * DAY }),
  compactedOnly: fc.boolean(),
});
const policy = fc.oneof(
  fc.constant<InputRetentionPolicy>({ kind: 'forever' }),
  fc.integer({ min: 0, max: 3_650 }).map<InputRetentionPolicy>((days) => ({ kind: 'topics', atLeastMs: days * DAY })),
);

describe('how long an input id is kept after its latest delivery', () => {
  it("is a topic's retention plus a segment's time plus the margin: a message lives until its whole segment is older than the retention", () => {
    expect(inputIdKeepMs([topic(7 * DAY, 7 * DAY)], TOPICS)).toBe(14 * DAY + REDELIVERY_MARGIN_MS);
  });

  it('follows the topic that holds messages longest, a dead-letter topic included', () => {
    expect(inputIdKeepMs([topic(DAY, HOUR), topic(30 * DAY, HOUR), topic(2 * DAY, 3 * DAY)], TOPICS)).toBe(30 * DAY + HOUR + REDELIVERY_MARGIN_MS);
  });

  it('is forever while any topic keeps messages forever: retention -1, or compaction without deletion', () => {
    expect(inputIdKeepMs([topic(DAY), topic(-1)], TOPICS)).toBeNull();
    expect(inputIdKeepMs([topic(DAY), topic(DAY, DAY, true)], TOPICS)).toBeNull();
  });

  it('is forever when no topic could be read, and when the policy says so', () => {
    expect(inputIdKeepMs([], TOPICS)).toBeNull();
    expect(inputIdKeepMs([topic(DAY)], { kind: 'forever' })).toBeNull();
  });

  it('says why it is forever, naming the topic that keeps messages forever', () => {
    expect(inputIdRetention([topic(DAY), { ...topic(-1), topic: 'in.v1' }], TOPICS)).toEqual({ keepMs: null, keptForever: 'in.v1 keeps messages forever (retention.ms -1)' });
    expect(inputIdRetention([{ ...topic(DAY, DAY, true), topic: 'facts.v1' }], TOPICS)).toEqual({ keepMs: null, keptForever: 'facts.v1 keeps messages forever (cleanup.policy compact)' });
    expect(inputIdRetention([], TOPICS)).toEqual({ keepMs: null, keptForever: 'none of its topics exists yet' });
    expect(inputIdRetention([topic(DAY)], { kind: 'forever' })).toEqual({ keepMs: null, keptForever: 'the retention is forever' });
    expect(inputIdRetention([topic(DAY, HOUR)], TOPICS)).toEqual({ keepMs: DAY + HOUR + REDELIVERY_MARGIN_MS, keptForever: null });
  });

  it("is at least the operator's minimum, and never shorter than the topics need however small that minimum", () => {
    expect(inputIdKeepMs([topic(DAY, HOUR)], { kind: 'topics', atLeastMs: 90 * DAY })).toBe(90 * DAY);
    expect(inputIdKeepMs([topic(30 * DAY, HOUR)], { kind: 'topics', atLeastMs: DAY })).toBe(30 * DAY + HOUR + REDELIVERY_MARGIN_MS);
  });

  // The exactly-once invariant under pruning: an id is never forgotten while a topic may still hold a message with it.
  it('never forgets an id before every topic has dropped every message that carries it (property)', () => {
    fc.assert(
      fc.property(fc.array(retention, { maxLength: 8 }), policy, (topics, chosen) => {
        const keepMs = inputIdKeepMs(topics, chosen);
        const forever = chosen.kind === 'forever' || topics.length === 0 || topics.some((t) => t.compactedOnly || t.retentionMs < 0);
        if (forever) return keepMs === null;
        if (keepMs === null) return false;
        const minimum = chosen.kind === 'topics' ? chosen.atLeastMs : 0;
        return keepMs >= minimum && topics.every((t) => keepMs >= t.retentionMs + t.segmentMs + REDELIVERY_MARGIN_MS);
      }),
    );
  });

  it('is exactly the longest need or the minimum, whichever is longer: kept no longer than needed (property)', () => {
    fc.assert(
      fc.property(fc.array(retention.map((t) => ({ ...t, compactedOnly: false, retentionMs: Math.max(0, t.retentionMs) })), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 3_650 }), (topics, days) => {
        const longest = Math.max(...topics.map((t) => t.retentionMs + t.segmentMs)) + REDELIVERY_MARGIN_MS;
        return inputIdKeepMs(topics, { kind: 'topics', atLeastMs: days * DAY }) === Math.max(longest, days * DAY);
      }),
    );
  });
});
