import { connect, Socket } from 'node:net';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { parseValue, TEST_BROKERS, testKafka, TestKafka } from '@restock/testing';
import { ensureTopics } from './kafka';

const FIND_COORDINATOR = 10;
const ADD_PARTITIONS_TO_TXN = 24;
const TXN_OFFSET_COMMIT = 28;
const TOPIC = 'coordinators.test.v1';
const CHECKPOINT_TOPIC = 'coordinators.checkpoint.v1';

/**
 * The broker's connections of one client, seen at the wire: every request's API key is counted as
 * it is written, and the next request of a given key can be made to fail by cutting its connection
 * instead of writing it (as a broker that went away mid-request would).
 */
class Wire {
  readonly written = new Map<number, number>();
  private cutNext: number | null = null;

  readonly socketFactory = ({ host, port, onConnect }: { host: string; port: number; onConnect: () => void }): Socket => {
    const socket = connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (chunk: Buffer, encoding?: BufferEncoding) => boolean;
    socket.write = ((chunk: Buffer, encoding?: BufferEncoding) => {
      // A request is a 4-byte size, then its 2-byte API key; kafkajs writes each in one buffer.
      const apiKey = chunk.readInt16BE(4);
      this.written.set(apiKey, (this.written.get(apiKey) ?? 0) + 1);
      if (apiKey === this.cutNext) {
        this.cutNext = null;
        socket.destroy(new Error(`cut before request ${apiKey} by the test`));
        return false;
      }
      return write(chunk, encoding);
    }) as typeof socket.write;
    return socket;
  };

  count(apiKey: number): number {
    return this.written.get(apiKey) ?? 0;
  }

  cutNextRequest(apiKey: number): void {
    this.cutNext = apiKey;
  }
}

/** One transaction as the outbox relay makes it: messages, the checkpoint as group offsets, commit. */
async function relayTransaction(producer: Producer, kafka: TestKafka, n: number): Promise<void> {
  const transaction = await producer.transaction();
  try {
    await transaction.send({ topic: kafka.namer.physical(TOPIC), acks: -1, messages: [{ key: 'k', value: JSON.stringify({ n }) }] });
    await transaction.sendOffsets({
      consumerGroupId: kafka.namer.physical('coordinators.checkpoint'),
      topics: [{ topic: kafka.namer.physical(CHECKPOINT_TOPIC), partitions: [{ partition: 0, offset: String(n) }] }],
    });
    await transaction.commit();
  } catch (error) {
    await transaction.abort();
    throw error;
  }
}

async function committedCheckpoint(kafka: TestKafka): Promise<string | undefined> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: kafka.namer.physical('coordinators.checkpoint'), topics: [kafka.namer.physical(CHECKPOINT_TOPIC)] });
    return offsets?.partitions.find((entry) => entry.partition === 0)?.offset;
  } finally {
    await admin.disconnect();
  }
}

/**
 * patches/kafkajs+2.2.4.patch: kafkajs 2.2.4's transactional producer asked the broker for the
 * transaction coordinator before each AddPartitionsToTxn, AddOffsetsToTxn and EndTxn, and for the
 * group coordinator before each TxnOffsetCommit: four FindCoordinator requests a transaction, a
 * quarter of every request the product's relays made to the broker in the pipeline benchmark.
 */
describe('kafkajs transactional producer as installed', () => {
  let kafka: TestKafka;
  let wire: Wire;
  let producer: Producer;

  beforeEach(async () => {
    kafka = testKafka('coordinators');
    await ensureTopics(kafka.kafka, [
      { name: kafka.namer.physical(TOPIC), partitions: 1 },
      { name: kafka.namer.physical(CHECKPOINT_TOPIC), partitions: 1 },
    ]);
    wire = new Wire();
    const client = new Kafka({ clientId: 'coordinators-test', brokers: [...TEST_BROKERS], socketFactory: wire.socketFactory, logLevel: logLevel.NOTHING });
    producer = client.producer({ transactionalId: kafka.namer.physical('coordinators-test'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterEach(async () => {
    await producer.disconnect();
    await kafka.close();
  });

  it('looks each coordinator up once, not before every request of every transaction', async () => {
    await relayTransaction(producer, kafka, 1);
    // The first transaction looks up the transaction coordinator and the checkpoint group's.
    expect(wire.count(FIND_COORDINATOR)).toBe(2);
    for (let n = 2; n <= 5; n += 1) await relayTransaction(producer, kafka, n);

    // Unpatched: four more lookups a transaction, 16 here.
    expect(wire.count(FIND_COORDINATOR)).toBe(2);
    expect(await committedCheckpoint(kafka)).toBe('5');
    const read = await kafka.readUntil(TOPIC, (messages) => messages.length >= 5);
    expect(read.map((message) => parseValue<{ n: number }>(message).n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('looks the transaction coordinator up again when a request to it fails, and the transaction still commits', async () => {
    await relayTransaction(producer, kafka, 1);
    const before = wire.count(FIND_COORDINATOR);

    // The connection drops as the transaction adds its partition; the send's retry looks the coordinator up again.
    wire.cutNextRequest(ADD_PARTITIONS_TO_TXN);
    await relayTransaction(producer, kafka, 2);
    await relayTransaction(producer, kafka, 3);

    expect(wire.count(ADD_PARTITIONS_TO_TXN)).toBeGreaterThanOrEqual(4);
    expect(wire.count(FIND_COORDINATOR) - before).toBe(1);
    expect(await committedCheckpoint(kafka)).toBe('3');
    const read = await kafka.readUntil(TOPIC, (messages) => messages.length >= 3);
    expect(read.map((message) => parseValue<{ n: number }>(message).n)).toEqual([1, 2, 3]);
  });

  it('looks the group coordinator up again after its request failed, and the next transaction commits', async () => {
    await relayTransaction(producer, kafka, 1);
    const before = wire.count(FIND_COORDINATOR);

    // kafkajs gives up on the checkpoint's commit when its connection drops; the relay aborts.
    wire.cutNextRequest(TXN_OFFSET_COMMIT);
    await expect(relayTransaction(producer, kafka, 2)).rejects.toThrow();
    await relayTransaction(producer, kafka, 3);

    expect(wire.count(FIND_COORDINATOR) - before).toBe(1);
    expect(await committedCheckpoint(kafka)).toBe('3');
    const read = await kafka.readUntil(TOPIC, (messages) => messages.length >= 2);
    expect(read.map((message) => parseValue<{ n: number }>(message).n)).toEqual([1, 3]);
  });
});
