import fc from 'fast-check';
import { OUTBOX_ROW_BYTES_MAX, OUTBOX_ROW_MESSAGES_MAX } from '@restock/event-store';
import { RELAY_SEND_BYTES_MAX, RELAY_SEND_MESSAGES_MAX, rowsBySend } from './outbox-relay';

interface Row {
  readonly id: number;
  readonly bytes: number;
  readonly messages: readonly unknown[];
}

/** Rows as the outbox holds them: up to OUTBOX_ROW_MESSAGES_MAX messages and OUTBOX_ROW_BYTES_MAX bytes, or one larger message. */
const rowArbitrary = fc.oneof(
  fc.record({ messageCount: fc.integer({ min: 1, max: OUTBOX_ROW_MESSAGES_MAX }), bytes: fc.integer({ min: 1, max: OUTBOX_ROW_BYTES_MAX }) }),
  fc.record({ messageCount: fc.constant(1), bytes: fc.integer({ min: 1, max: 4 * OUTBOX_ROW_BYTES_MAX }) }),
);
const rowsArbitrary = fc
  .array(rowArbitrary, { maxLength: 60 })
  .map((rows): Row[] => rows.map(({ messageCount, bytes }, id) => ({ id, bytes, messages: Array.from({ length: messageCount }) })));

const messagesOf = (send: readonly Row[]) => send.reduce((sum, row) => sum + row.messages.length, 0);
const bytesOf = (send: readonly Row[]) => send.reduce((sum, row) => sum + row.bytes, 0);

describe('cutting a relay transaction into sends', () => {
  it('keeps every row, whole and in order', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        expect(rowsBySend(rows).flat()).toEqual(rows);
      }),
    );
  });

  it('keeps every send of more than one row within the send bounds', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        for (const send of rowsBySend(rows)) {
          expect(send.length).toBeGreaterThan(0);
          if (send.length === 1) continue;
          expect(messagesOf(send)).toBeLessThanOrEqual(RELAY_SEND_MESSAGES_MAX);
          expect(bytesOf(send)).toBeLessThanOrEqual(RELAY_SEND_BYTES_MAX);
        }
      }),
    );
  });

  it('starts a new send only when the next row would not fit in the current one', () => {
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const sends = rowsBySend(rows);
        for (const [index, send] of sends.entries()) {
          const next = sends[index + 1]?.[0];
          if (next === undefined) continue;
          const fits = messagesOf(send) + next.messages.length <= RELAY_SEND_MESSAGES_MAX && bytesOf(send) + next.bytes <= RELAY_SEND_BYTES_MAX;
          expect(fits).toBe(false);
        }
      }),
    );
  });

  it('sends a message larger than a send carries in a send of its own', () => {
    const large: Row = { id: 1, bytes: RELAY_SEND_BYTES_MAX + 1, messages: [undefined] };
    const small: Row = { id: 0, bytes: 10, messages: [undefined] };
    expect(rowsBySend([small, large, small])).toEqual([[small], [large], [small]]);
  });
});
