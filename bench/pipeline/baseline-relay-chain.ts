import { Consumer, Kafka, Producer } from 'kafkajs';
import { TOPICS } from '@restock/contracts';
import { ensureTopics, TopicNamer } from '@restock/messaging';
import { HopRecorder } from './hop-record';
import { benchProducer } from './kafka-io';

const PARTITIONS = 6;
/** Half the broker's default message.max.bytes (1 MiB), leaving room for record overhead. */
const SEND_BYTES_MAX = 512 * 1024;

function chunksWithin(messages: readonly { key: string; value: string }[], bytesMax: number): { key: string; value: string }[][] {
  const chunks: { key: string; value: string }[][] = [];
  let chunk: { key: string; value: string }[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.key.length + message.value.length;
    if (chunk.length > 0 && bytes + size > bytesMax) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

interface Hop {
  readonly from: string;
  readonly to: string;
  /** Turns one consumed message into the messages to send on. */
  readonly relay: (value: Record<string, unknown>) => { key: string; value: string }[];
}

interface PlacedLine {
  readonly orderId: string;
  readonly lineId: string;
  readonly sku: string;
  readonly lines: number;
}

export interface RelayChainOptions {
  /**
   * Each hop sends a batch's output and its consumed offsets in one Kafka transaction, as the
   * product's relays publish (exactly-once), instead of sending and then committing the offsets.
   */
  readonly transactional?: boolean;
  /**
   * Each hop records its batch in this PostgreSQL database before it sends on (HopRecorder: input
   * ids and one event per input, in one transaction, each hop in its own schema).
   */
  readonly databaseUrl?: string;
}

/**
 * The baseline: the same three topic hops as the product (ecommerce.orders -> orders.events ->
 * fulfillment.events -> customer-updates) relayed by plain kafkajs consumers and producers with
 * the same batch consumption and acks, but no database, no validation and no decisions. Hop 1
 * splits an order into lines keyed by SKU, hop 2 answers each line with a fact, hop 3 sends the
 * order's acknowledgement once all its lines are back.
 */
export class BaselineRelayChain {
  private readonly consumers: Consumer[] = [];
  private readonly producers: Producer[] = [];
  private readonly recorders: HopRecorder[] = [];
  private readonly linesBack = new Map<string, number>();
  /** The first crash of a hop's consumer that kafkajs does not restart: the chain has stopped. */
  failure: Error | null = null;

  /** Options make informative baselines with no target; the target is judged against the plain chain. */
  constructor(
    private readonly kafka: Kafka,
    private readonly namer: TopicNamer,
    private readonly options: RelayChainOptions = {},
  ) {}

  private get transactional(): boolean {
    return this.options.transactional === true;
  }

  private hops(): Hop[] {
    return [
      {
        from: TOPICS.ecommerceOrders,
        to: TOPICS.orderEvents,
        relay: (event) => {
          const data = event.data as { orderId: string; lines: { lineId: string; sku: string }[] };
          return data.lines.map((line) => ({
            key: line.sku,
            value: JSON.stringify({ type: 'OrderLinePlaced', data: { orderId: data.orderId, lineId: line.lineId, sku: line.sku, lines: data.lines.length } }),
          }));
        },
      },
      {
        from: TOPICS.orderEvents,
        to: TOPICS.fulfillmentEvents,
        relay: (event) => {
          const line = event.data as PlacedLine;
          return [{ key: line.sku, value: JSON.stringify({ type: 'LineDecided', data: { ...line, status: 'BACKORDERED' } }) }];
        },
      },
      {
        from: TOPICS.fulfillmentEvents,
        to: TOPICS.customerUpdates,
        relay: (event) => {
          const line = event.data as PlacedLine;
          const back = (this.linesBack.get(line.orderId) ?? 0) + 1;
          this.linesBack.set(line.orderId, back);
          if (back < line.lines) return [];
          return [{ key: line.orderId, value: JSON.stringify({ id: `ack-${line.orderId}`, type: 'OrderAcknowledged', data: { orderId: line.orderId, lines: [] } }) }];
        },
      },
    ];
  }

  async start(): Promise<void> {
    const topics = [TOPICS.ecommerceOrders, TOPICS.orderEvents, TOPICS.fulfillmentEvents, TOPICS.customerUpdates];
    await ensureTopics(this.kafka, topics.map((topic) => ({ name: this.namer.physical(topic), partitions: PARTITIONS })));
    for (const [index, hop] of this.hops().entries()) await this.startHop(hop, index + 1);
  }

  private async startHop(hop: Hop, number: number): Promise<void> {
    const groupId = this.namer.physical(`baseline.${hop.from}`);
    const recorder = this.options.databaseUrl === undefined ? null : await HopRecorder.open(this.options.databaseUrl, `hop${number}`);
    if (recorder) this.recorders.push(recorder);
    const producer = this.transactional
      ? this.kafka.producer({ transactionalId: `${groupId}.relay`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
      : benchProducer(this.kafka);
    await producer.connect();
    this.producers.push(producer);
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytesPerPartition: 1_048_576 });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.failure ??= new Error(`baseline hop ${hop.from} -> ${hop.to} crashed: ${payload.error.message}`);
    });
    await consumer.connect();
    this.consumers.push(consumer);
    await consumer.subscribe({ topic: this.namer.physical(hop.from), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // One producer per hop can hold one transaction at a time, so transactional hops take their
      // partitions' batches in turn (the product's relay, too, runs one transaction at a time).
      partitionsConsumedConcurrently: this.transactional ? 1 : 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const values = batch.messages.map((message) => JSON.parse(message.value!.toString()) as Record<string, unknown>);
        await recorder?.record(
          batch.messages.map((message, index) => ({
            id: typeof values[index]!['id'] === 'string' ? (values[index]!['id'] as string) : `${batch.topic}/${batch.partition}/${message.offset}`,
            key: message.key?.toString() ?? '',
            data: values[index]!['data'],
          })),
        );
        const out = values.flatMap((value) => hop.relay(value));
        const last = batch.messages[batch.messages.length - 1];
        const offsets = last ? [{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }] : [];
        // In sends of at most SEND_BYTES_MAX, as the product's relay does: a fetch of 1 MiB that a hop
        // fans out would otherwise make a record batch the broker refuses (message.max.bytes).
        const chunks = chunksWithin(out, SEND_BYTES_MAX);
        if (this.transactional) {
          const transaction = await producer.transaction();
          try {
            for (const chunk of chunks) await transaction.send({ topic: this.namer.physical(hop.to), acks: -1, messages: chunk });
            if (offsets.length > 0) {
              await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: offsets.map(({ partition, offset }) => ({ partition, offset })) }] });
            }
            await transaction.commit();
          } catch (error) {
            await transaction.abort().catch(() => undefined);
            throw error;
          }
        } else {
          for (const chunk of chunks) await producer.send({ topic: this.namer.physical(hop.to), acks: -1, messages: chunk });
          if (offsets.length > 0) await consumer.commitOffsets(offsets);
        }
        if (last) resolveOffset(last.offset);
        await heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.disconnect()));
    await Promise.all(this.producers.map((producer) => producer.disconnect()));
    await Promise.all(this.recorders.map((recorder) => recorder.close()));
  }
}
