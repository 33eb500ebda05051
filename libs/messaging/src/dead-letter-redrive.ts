import { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { deadLetterTopic } from '@restock/contracts';
import { Database, Queryable } from '@restock/event-store';
import { DLQ_HEADER } from './dead-letters';
import { createIdempotentProducer, TopicNamer } from './kafka';
import { readRanges, resolveRanges, UnknownTopicError } from './topic-range';

const DLQ_HEADER_PREFIX = 'restock-dlq-';

/** A redriven letter that fails again comes back with this count; from 1 on it is not redriven without force. */
export const REDRIVES_WITHOUT_FORCE_MAX = 1;

/** One message of `<topic>.dlq`, with why it is there and whether it was already sent back. */
export interface DeadLetterEntry {
  /** `<partition>:<offset>` in the dead-letter topic; unique, and what `--id` accepts besides the event id. */
  readonly id: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** The CloudEvent id, when the value is a JSON object that has one. */
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly code: string;
  readonly reason: string;
  readonly consumer: string | null;
  readonly failedAt: string;
  readonly originalTopic: string;
  readonly redriveCount: number;
  readonly message: KafkaMessage;
}

function header(message: KafkaMessage, name: string): string | null {
  const value = message.headers?.[name];
  if (value === undefined) return null;
  return (Array.isArray(value) ? value[0] : value)?.toString() ?? null;
}

function eventOf(message: KafkaMessage): { id: string | null; type: string | null } {
  try {
    const value = JSON.parse(message.value?.toString() ?? '') as unknown;
    if (typeof value !== 'object' || value === null) return { id: null, type: null };
    const { id, type } = value as { id?: unknown; type?: unknown };
    return { id: typeof id === 'string' ? id : null, type: typeof type === 'string' ? type : null };
  } catch {
    return { id: null, type: null };
  }
}

function reasonOf(message: KafkaMessage): string {
  const raw = header(message, DLQ_HEADER.reason);
  try {
    const parsed = JSON.parse(raw ?? '') as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : (raw ?? '');
  } catch {
    return raw ?? '';
  }
}

function toEntry(topic: string, partition: number, message: KafkaMessage): DeadLetterEntry {
  const event = eventOf(message);
  const count = Number(header(message, DLQ_HEADER.redriveCount) ?? 0);
  return {
    id: `${partition}:${message.offset}`,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    eventId: event.id,
    eventType: event.type,
    code: header(message, DLQ_HEADER.code) ?? 'UNKNOWN',
    reason: reasonOf(message),
    consumer: header(message, DLQ_HEADER.consumer),
    failedAt: header(message, DLQ_HEADER.failedAt) ?? new Date(Number(message.timestamp)).toISOString(),
    originalTopic: header(message, DLQ_HEADER.topic) ?? topic,
    redriveCount: Number.isInteger(count) && count > 0 ? count : 0,
    message,
  };
}

/**
 * Reads every dead letter of an input topic (its `<topic>.dlq`), in offset order per partition.
 * With `consumer`, only the letters that consumer sent (a topic read by two services has one DLQ).
 */
export async function listDeadLetters(kafka: Kafka, namer: TopicNamer, topic: string, consumer?: string): Promise<DeadLetterEntry[]> {
  const physical = namer.physical(deadLetterTopic(topic));
  const ranges = await resolveRanges(kafka, physical, {}).catch((error: unknown) => {
    throw error instanceof UnknownTopicError ? new UnknownTopicError(deadLetterTopic(topic)) : error;
  });
  const letters: DeadLetterEntry[] = [];
  await readRanges(kafka, physical, ranges, async (partition, messages) => {
    for (const message of messages) letters.push(toEntry(topic, partition, message));
  });
  letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return consumer ? letters.filter((letter) => letter.consumer === consumer) : letters;
}

/** The ids (`partition:offset`) of a topic's dead letters that were already sent back. */
export async function redrivenLetters(q: Queryable, topic: string): Promise<Map<string, Date>> {
  const result = await q.query<{ dlq_partition: number; dlq_offset: string; redriven_at: Date }>(
    'SELECT dlq_partition, dlq_offset, redriven_at FROM dead_letter_redrives WHERE dlq_topic = $1',
    [deadLetterTopic(topic)],
  );
  return new Map(result.rows.map((row) => [`${row.dlq_partition}:${row.dlq_offset}`, row.redriven_at]));
}

export type RedriveRefusal = 'REDRIVE_LIMIT' | 'ALREADY_REDRIVEN';

export interface RedriveOutcome {
  readonly redriven: readonly DeadLetterEntry[];
  readonly refused: readonly { readonly letter: DeadLetterEntry; readonly refusal: RedriveRefusal }[];
}

/** The original message again: key, value and headers as the producer sent them, plus the redrive count. */
function redriveMessage(letter: DeadLetterEntry) {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(letter.message.headers ?? {})) {
    if (!name.startsWith(DLQ_HEADER_PREFIX) && value !== undefined) headers[name] = value;
  }
  headers[DLQ_HEADER.redriveCount] = String(letter.redriveCount + 1);
  return { key: letter.message.key, value: letter.message.value, headers };
}

/**
 * Sends dead letters back to their input topic, where the consumer handles them like any input
 * (idempotently: one already processed has no effect). A letter is sent once: the redrive is
 * recorded in the transaction that is committed only after Kafka acknowledged the send. A letter
 * that failed after a redrive is refused unless forced, so a poison message cannot loop.
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  namer: TopicNamer,
  db: Database,
  topic: string,
  letters: readonly DeadLetterEntry[],
  options: { readonly force?: boolean } = {},
): Promise<RedriveOutcome> {
  const refused: { letter: DeadLetterEntry; refusal: RedriveRefusal }[] = [];
  const candidates = letters.filter((letter) => {
    if (letter.redriveCount >= REDRIVES_WITHOUT_FORCE_MAX && !options.force) refused.push({ letter, refusal: 'REDRIVE_LIMIT' });
    return options.force || letter.redriveCount < REDRIVES_WITHOUT_FORCE_MAX;
  });
  if (candidates.length === 0) return { redriven: [], refused };
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    const redriven = await db.transaction(async (tx) => {
      const claimed = await tx.query<{ dlq_partition: number; dlq_offset: string }>(
        `INSERT INTO dead_letter_redrives (dlq_topic, dlq_partition, dlq_offset, event_id, redrive_count)
         SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[], $5::int[])
         ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO UPDATE SET redriven_at = now(), redrive_count = EXCLUDED.redrive_count
           WHERE $6::boolean
         RETURNING dlq_partition, dlq_offset`,
        [
          deadLetterTopic(topic),
          candidates.map((letter) => letter.partition),
          candidates.map((letter) => letter.offset),
          candidates.map((letter) => letter.eventId),
          candidates.map((letter) => letter.redriveCount + 1),
          options.force === true,
        ],
      );
      const won = new Set(claimed.rows.map((row) => `${row.dlq_partition}:${row.dlq_offset}`));
      const sending = candidates.filter((letter) => won.has(letter.id));
      for (const letter of candidates) if (!won.has(letter.id)) refused.push({ letter, refusal: 'ALREADY_REDRIVEN' });
      if (sending.length > 0) await producer.send({ topic: namer.physical(topic), acks: -1, messages: sending.map(redriveMessage) });
      return sending;
    });
    return { redriven, refused };
  } finally {
    await producer.disconnect();
  }
}
