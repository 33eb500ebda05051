import { Admin, Kafka, logLevel, LogEntry, Partitioners, Producer, ProducerConfig } from 'kafkajs';
import { registerCompressionCodecs } from './compression';

export const CONNECTION_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const CLIENT_RETRIES_MAX = 8;

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Prepended to every topic name; empty in production. Tests use it to isolate their runs. */
  readonly topicPrefix: string;
  /** Added to every line the client logs (a service's name and instance, as its own log lines carry). */
  readonly logFields?: Readonly<Record<string, string>>;
}

export function parseBrokers(value: string | undefined, fallback = '127.0.0.1:9092'): string[] {
  return (value ?? fallback)
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

/** The services' own log lines are pino's: these are its numbers for kafkajs's levels. */
const PINO_LEVELS: Readonly<Record<number, number>> = { [logLevel.ERROR]: 50, [logLevel.WARN]: 40, [logLevel.INFO]: 30, [logLevel.DEBUG]: 20 };
const RETRIED_SEND = 'Failed to send messages: ';

/**
 * kafkajs's log entries as JSON lines shaped like the services' pino lines (numeric `level`,
 * `time` in ms, `msg`, the given fields). kafkajs logs every error response of a request as an
 * error, including the ones it retries; what is not recovered surfaces from the client to its
 * caller, which logs it. So connection errors are dropped and a send that kafkajs retries (a
 * leader moving, or Kafka 4 answering CONCURRENT_TRANSACTIONS right after a commit) is a warning.
 */
export function kafkaLogLine(entry: LogEntry, fields: Readonly<Record<string, string>> = {}): string | null {
  if (entry.namespace === 'Connection') return null;
  const { message, timestamp, logger: _logger, ...rest } = entry.log;
  const retried = entry.level === logLevel.ERROR && message.startsWith(RETRIED_SEND);
  const level = PINO_LEVELS[retried ? logLevel.WARN : entry.level] ?? PINO_LEVELS[logLevel.ERROR];
  return JSON.stringify({ level, time: Date.parse(timestamp), ...fields, logger: 'kafkajs', namespace: entry.namespace, msg: message, ...rest });
}

function jsonLogCreator(fields: Readonly<Record<string, string>>) {
  return (level: logLevel) => (entry: LogEntry) => {
    if (entry.level > level) return;
    const line = kafkaLogLine(entry, fields);
    if (line !== null) process.stderr.write(`${line}\n`);
  };
}

export function createKafka(settings: KafkaSettings): Kafka {
  registerCompressionCodecs();
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    retry: { retries: CLIENT_RETRIES_MAX, initialRetryTime: 200, maxRetryTime: 10_000, factor: 0.2, multiplier: 2 },
    logLevel: logLevel.ERROR,
    logCreator: jsonLogCreator(settings.logFields ?? {}),
  });
}

/**
 * A producer for messages that need no transaction (dead letters, test inputs). Idempotence keeps
 * retried sends from duplicating; the default partitioner is the Java client's murmur2, so other
 * Java producers put a key on the same partition we do.
 */
export function createIdempotentProducer(kafka: Kafka, extra: Partial<ProducerConfig> = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: CLIENT_RETRIES_MAX },
    ...extra,
  });
}

export class TopicNamer {
  constructor(readonly prefix: string) {}

  physical(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  logical(physicalTopic: string): string {
    if (!physicalTopic.startsWith(this.prefix)) throw new Error(`topic ${physicalTopic} lacks prefix ${this.prefix}`);
    return physicalTopic.slice(this.prefix.length);
  }
}

export interface TopicToCreate {
  readonly name: string;
  readonly partitions: number;
  readonly config?: Readonly<Record<string, string>>;
}

export const TOPIC_READY_TIMEOUT_MS = 30_000;
const TOPIC_READY_POLL_MS = 200;

/**
 * Creates the topics that do not exist yet (names already physical) and waits until every
 * partition has a leader. kafkajs's own wait gives up on the "unknown topic" answers a busy broker
 * sends while it is still creating them, so the wait is done here. Idempotent.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicToCreate[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: -1,
          configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // A concurrent creator winning the race is fine: the topics exist either way.
      if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
    }
    await waitForLeaders(admin, missing.map((topic) => topic.name));
  } finally {
    await admin.disconnect();
  }
}

async function waitForLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (metadata.length === topics.length && metadata.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leader after ${TOPIC_READY_TIMEOUT_MS} ms: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, TOPIC_READY_POLL_MS));
  }
}
