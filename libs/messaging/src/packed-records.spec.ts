import fc from 'fast-check';
import { KafkaMessage } from 'kafkajs';
import { TOPICS } from '@restock/contracts';
import {
  CLOUDEVENTS_BATCH_CONTENT_TYPE,
  CLOUDEVENTS_CONTENT_TYPE,
  isPackedRecord,
  messagesOf,
  OutgoingMessage,
  packForPartitions,
  PACKED_TOPICS,
  parseKafkaPacking,
  unpackRecord,
} from './packed-records';

const PARTITIONS = 4;
/** Any deterministic key → partition function will do for the packing itself. */
const partitionOf = (key: string) => [...key].reduce((sum, char) => sum + char.charCodeAt(0), 0) % PARTITIONS;

/** A record as a consumer receives what the relay sent. */
function received(message: OutgoingMessage, offset: number): KafkaMessage {
  return {
    key: message.key === null ? null : Buffer.from(message.key),
    value: Buffer.from(message.value),
    headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)])),
    offset: String(offset),
    timestamp: '1764400000000',
    attributes: 0,
  } as KafkaMessage;
}

/** What a consumer takes from the records, per partition, as [key, event] in order. */
function takenByPartition(records: readonly OutgoingMessage[]): Map<number, [string | null, unknown][]> {
  const taken = new Map<number, [string | null, unknown][]>();
  records.forEach((record, offset) => {
    // Where the producer's partitioner puts the record: by its key, as the relay's partitionOf does.
    const partition = record.key === null ? -1 : partitionOf(record.key);
    const list = taken.get(partition) ?? [];
    for (const message of messagesOf(TOPICS.orderEvents, received(record, offset))) {
      const event = JSON.parse(message.value!.toString()) as Record<string, unknown>;
      list.push([message.key?.toString() ?? null, event]);
    }
    taken.set(partition, list);
  });
  return taken;
}

const eventArbitrary = fc.record({ id: fc.uuid(), type: fc.constantFrom('OrderLinePlaced', 'SupplyExpected'), data: fc.record({ n: fc.integer(), text: fc.string() }) });

/** Mostly packable messages, and every kind the relay must send as it is. */
const messageArbitrary: fc.Arbitrary<OutgoingMessage> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ key: fc.constantFrom('SKU-A', 'SKU-B', 'SKU-C', 'SKU-D', 'SKU-E'), value: eventArbitrary.map((event) => JSON.stringify(event)), headers: fc.constant({ 'content-type': CLOUDEVENTS_CONTENT_TYPE }) }) },
  { weight: 1, arbitrary: fc.record({ key: fc.constant(null), value: eventArbitrary.map((event) => JSON.stringify(event)), headers: fc.constant({}) }) },
  { weight: 1, arbitrary: fc.record({ key: fc.constantFrom('SKU-A', 'SKU-B'), value: eventArbitrary.map((event) => JSON.stringify(event)), headers: fc.constant({ traceparent: '00-abc-def-01' }) }) },
  { weight: 1, arbitrary: fc.record({ key: fc.constantFrom('SKU-A', 'SKU-C'), value: eventArbitrary.map((event) => JSON.stringify({ ...event, partitionkey: 'own' })), headers: fc.constant({}) }) },
  { weight: 1, arbitrary: fc.record({ key: fc.constantFrom('SKU-B', 'SKU-D'), value: fc.constantFrom('{}', '{ }', '[1]', '"text"'), headers: fc.constant({}) }) },
);

describe('packed records', () => {
  it('packs only the topics Restock alone publishes and reads', () => {
    expect([...PACKED_TOPICS].sort()).toEqual(
      [TOPICS.catalogEvents, TOPICS.supplyEvents, TOPICS.inventoryEvents, TOPICS.orderEvents, TOPICS.fulfillmentEvents, TOPICS.fulfillmentLedger].sort(),
    );
    expect(PACKED_TOPICS.has(TOPICS.customerUpdates)).toBe(false);
    expect(PACKED_TOPICS.has(TOPICS.ecommerceOrders)).toBe(false);
  });

  it('delivers every message once, on the partition of its key, in the order given, whatever is packed', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { maxLength: 60 }), (messages) => {
        const records = packForPartitions(messages, partitionOf);
        const expected = new Map<number, [string | null, unknown][]>();
        for (const message of messages) {
          const partition = message.key === null ? -1 : partitionOf(message.key);
          const list = expected.get(partition) ?? [];
          list.push([message.key, JSON.parse(message.value) as unknown]);
          expected.set(partition, list);
        }
        // Each message comes out as it went in: a message naming a partition key of its own keeps it (it was sent as it is).
        expect(takenByPartition(records)).toEqual(expected);
        expect(records.every((record) => !('partition' in record))).toBe(true);
        const packable = messages.filter((message) => message.key !== null && Object.keys(message.headers).every((name) => name === 'content-type') && message.value.startsWith('{') && !message.value.includes('"partitionkey"'));
        // Packable messages of one partition in a row share a record: there are at most as many records as partitions plus the messages sent alone.
        if (packable.length === messages.length) expect(records.length).toBeLessThanOrEqual(PARTITIONS);
      }),
    );
  });

  it('gives each event of a packed record its key as partitionkey, and a value only when asked', () => {
    const [record] = packForPartitions(
      [
        { key: 'SKU-A', value: '{"id":"1","type":"T"}', headers: {} },
        { key: 'SKU-A', value: '{}', headers: {} },
      ],
      () => 2,
    );
    expect(record).toEqual({ key: 'SKU-A', value: '[{"id":"1","type":"T","partitionkey":"SKU-A"},{"partitionkey":"SKU-A"}]', headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE } });
    const unpacked = unpackRecord(received(record!, 7));
    if (!unpacked.ok) throw new Error(unpacked.reason.message);
    const [first] = unpacked.events;
    expect(first!.message.key?.toString()).toBe('SKU-A');
    expect(first!.message.offset).toBe('7');
    expect(first!.message.headers?.['content-type']).toBe(CLOUDEVENTS_CONTENT_TYPE);
    expect(first!.json).toEqual({ id: '1', type: 'T' });
    expect(first!.message.value!.toString()).toBe('{"id":"1","type":"T"}');
    expect(isPackedRecord(first!.message)).toBe(false);
  });

  it('takes the record key for an event without partitionkey', () => {
    const record = received({ key: 'SKU-R', value: '[{"id":"1"}]', headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE } }, 0);
    const unpacked = unpackRecord(record);
    expect(unpacked.ok && unpacked.events[0]!.message.key?.toString()).toBe('SKU-R');
  });

  it('rejects a packed record whole when it is not a JSON array', () => {
    const packed = (value: string) => received({ key: null, value, headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE } }, 0);
    expect(unpackRecord(packed('[{"id":'))).toMatchObject({ ok: false, reason: { code: 'INVALID_JSON' } });
    expect(unpackRecord(packed('{"id":"1"}'))).toMatchObject({ ok: false, reason: { code: 'INVALID_ENVELOPE' } });
    expect(unpackRecord(packed('[{"__proto__":{"x":1}}]'))).toMatchObject({ ok: false, reason: { code: 'INVALID_JSON' } });
  });

  it('judges the size of each event, not of the record', () => {
    const small = { id: 's', data: 'x'.repeat(100) };
    const large = { id: 'l', data: 'x'.repeat(1_000) };
    const record = received({ key: null, value: JSON.stringify([small, large, small]), headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE } }, 0);
    const unpacked = unpackRecord(record, 500);
    if (!unpacked.ok) throw new Error(unpacked.reason.message);
    expect(unpacked.events.map((event) => event.tooLarge?.code ?? 'ok')).toEqual(['ok', 'TOO_LARGE', 'ok']);
    const fits = unpackRecord(record, 10_000);
    expect(fits.ok && fits.events.every((event) => event.tooLarge === undefined)).toBe(true);
  });

  it('reads a record of a public topic as it is, batch or not', () => {
    const record = received({ key: null, value: '[{"id":"1"},{"id":"2"}]', headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE } }, 0);
    expect(messagesOf(TOPICS.customerUpdates, record)).toEqual([record]);
    expect(messagesOf(TOPICS.orderEvents, record)).toHaveLength(2);
  });

  it('reads the packing setting', () => {
    expect(parseKafkaPacking(undefined, 'internal')).toBe('internal');
    expect(parseKafkaPacking(' none ', 'internal')).toBe('none');
    expect(() => parseKafkaPacking('all', 'internal')).toThrow(/internal, none/);
  });
});
