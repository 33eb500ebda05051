import { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { deadLetterTopic } from '@restock/contracts';
import { TopicNamer } from './kafka';

export type DeadLetterCode =
  | 'TOO_LARGE'
  | 'INVALID_JSON'
  | 'INVALID_ENVELOPE'
  | 'UNKNOWN_TYPE'
  | 'INVALID_DATA'
  | 'CONFLICTING_DUPLICATE'
  | 'REJECTED'
  | 'PROCESSING_FAILED';

export interface DeadLetterReason {
  readonly code: DeadLetterCode;
  readonly message: string;
  readonly fields?: readonly { readonly field: string; readonly errors: readonly string[] }[];
}

export const DLQ_HEADER = {
  reason: 'restock-dlq-reason',
  code: 'restock-dlq-code',
  topic: 'restock-dlq-original-topic',
  partition: 'restock-dlq-original-partition',
  offset: 'restock-dlq-original-offset',
  consumer: 'restock-dlq-consumer',
  failedAt: 'restock-dlq-failed-at',
  redriveCount: 'restock-dlq-redrive-count',
} as const;

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly reason: DeadLetterReason;
}

/**
 * Sends dead letters to `<topic>.dlq` with the original key, value and headers, plus headers that
 * say why, where from and when. Awaited before the offsets are committed, so none is lost.
 */
export async function sendDeadLetters(
  producer: Producer,
  namer: TopicNamer,
  consumer: string,
  letters: readonly DeadLetter[],
  failedAt: Date,
): Promise<void> {
  if (letters.length === 0) return;
  const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; headers: IHeaders }[]>();
  for (const letter of letters) {
    const topic = namer.physical(deadLetterTopic(letter.topic));
    const messages = byTopic.get(topic) ?? [];
    messages.push({
      key: letter.message.key,
      value: letter.message.value,
      headers: {
        ...(letter.message.headers ?? {}),
        [DLQ_HEADER.reason]: JSON.stringify(letter.reason),
        [DLQ_HEADER.code]: letter.reason.code,
        [DLQ_HEADER.topic]: letter.topic,
        [DLQ_HEADER.partition]: String(letter.partition),
        [DLQ_HEADER.offset]: letter.message.offset,
        [DLQ_HEADER.consumer]: consumer,
        [DLQ_HEADER.failedAt]: failedAt.toISOString(),
      },
    });
    byTopic.set(topic, messages);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })) });
}
