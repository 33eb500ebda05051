import { KafkaMessage } from 'kafkajs';
import { validateMessage } from '@restock/contracts';
import { processedAmong } from '@restock/event-store';
import { createIdempotentProducer, messagesOf, readRanges, rangeSize, resolveRanges } from '@restock/messaging';
import { ServiceOperations } from '@restock/platform';
import { Environment } from '../environment';
import { CliError, EXIT } from '../exit-codes';
import { Output } from '../output';
import { consumersOf } from '../service-registry';

export interface ReplayTopicOptions {
  readonly fromOffset?: string;
  readonly fromTime?: string;
  readonly toTime?: string;
  readonly dryRun?: boolean;
  readonly service?: string;
}

interface Query {
  readonly fromOffset?: bigint;
  readonly fromTime?: Date;
  readonly toTime?: Date;
}

/** Per consuming service: how many valid inputs of the range it has processed, how many it has not. */
interface ServiceCount {
  readonly service: string;
  alreadyProcessed: number;
  wouldHaveEffect: number;
}

function time(value: string, option: string): Date {
  const parsed = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(parsed.getTime())) throw new CliError(EXIT.usage, `${option} must be an RFC 3339 time such as 2026-12-01T10:00:00Z, got ${JSON.stringify(value)}`);
  return parsed;
}

export function parseRange(options: ReplayTopicOptions): Query {
  if ((options.fromOffset === undefined) === (options.fromTime === undefined)) throw new CliError(EXIT.usage, 'give exactly one of --from-offset N or --from-time T');
  if (options.fromOffset !== undefined && !/^\d{1,18}$/.test(options.fromOffset)) throw new CliError(EXIT.usage, `--from-offset must be an offset (an integer ≥ 0), got ${JSON.stringify(options.fromOffset)}`);
  const fromTime = options.fromTime === undefined ? undefined : time(options.fromTime, '--from-time');
  const toTime = options.toTime === undefined ? undefined : time(options.toTime, '--to-time');
  if (fromTime && toTime && toTime <= fromTime) throw new CliError(EXIT.usage, '--to-time must be later than --from-time');
  return { fromOffset: options.fromOffset === undefined ? undefined : BigInt(options.fromOffset), fromTime, toTime };
}

/**
 * Counts what the range means to each consuming service: invalid messages would be dead-lettered
 * again; a valid input whose id the service has already processed has no effect; the rest would.
 */
async function count(
  environment: Environment,
  topic: string,
  consumers: readonly ServiceOperations[],
  messages: readonly KafkaMessage[],
  counts: Map<string, ServiceCount>,
  seen: Set<string>,
): Promise<KafkaMessage[]> {
  const ids: string[] = [];
  const valid: KafkaMessage[] = [];
  for (const message of messages) {
    const validation = validateMessage(topic, message.value);
    if (!validation.ok) continue;
    valid.push(message);
    if (!seen.has(validation.event.id)) {
      seen.add(validation.event.id);
      ids.push(validation.event.id);
    }
  }
  for (const operations of consumers) {
    const done = await processedAmong(environment.database(operations.service), operations.service, ids);
    const entry = counts.get(operations.service)!;
    entry.alreadyProcessed += done.size;
    entry.wouldHaveEffect += ids.length - done.size;
  }
  return valid;
}

/**
 * `restock replay topic`: re-consumes a range of an input topic through the consumers' normal,
 * idempotent path, by publishing the range's valid messages again, unchanged, to the same topic. An
 * input a consumer has already processed has no effect there; an invalid one would only be
 * dead-lettered again, so it is left out. A dry run only counts.
 */
export async function replayTopic(environment: Environment, output: Output, topic: string, options: ReplayTopicOptions): Promise<number> {
  const query = parseRange(options);
  const consumers = await consumersOf(topic, options.service);
  const physical = environment.namer.physical(topic);
  const ranges = await resolveRanges(environment.kafka, physical, query);
  const total = rangeSize(ranges);
  const counts = new Map(consumers.map((operations) => [operations.service, { service: operations.service, alreadyProcessed: 0, wouldHaveEffect: 0 }]));
  const seen = new Set<string>();
  const producer = options.dryRun ? null : createIdempotentProducer(environment.kafka);
  await producer?.connect();
  const bar = output.progress(`${options.dryRun ? 'reading' : 'replaying'} ${topic}`, 'records');
  let records = 0;
  let read = 0;
  let invalid = 0;
  try {
    await readRanges(environment.kafka, physical, ranges, async (_partition, inRange) => {
      // A packed record (an internal topic's) is counted, and published again, as the events it carries.
      const messages = inRange.flatMap((record) => messagesOf(topic, record));
      const valid = await count(environment, topic, consumers, messages, counts, seen);
      invalid += messages.length - valid.length;
      if (producer && valid.length > 0) {
        await producer.send({ topic: physical, acks: -1, messages: valid.map((message) => ({ key: message.key, value: message.value, headers: message.headers ?? {} })) });
      }
      read += messages.length;
      records += inRange.length;
      bar.update(records, total);
    });
  } finally {
    bar.stop();
    await producer?.disconnect();
  }
  const result = { topic, dryRun: options.dryRun === true, ranges, messages: read, invalid, duplicatesInRange: read - invalid - seen.size, services: [...counts.values()], republished: options.dryRun ? 0 : read - invalid };
  output.line(`${topic}: ${read} messages in range (${ranges.filter((range) => range.end !== range.start).map((range) => `p${range.partition} ${range.start}..${range.end}`).join(', ') || 'empty'})`);
  output.line(`  invalid (would be dead-lettered again${options.dryRun ? '' : '; not republished'}): ${invalid}`);
  for (const entry of counts.values()) {
    output.line(`  ${entry.service}: already processed ${entry.alreadyProcessed}, ${options.dryRun ? 'would have an effect' : 'not processed before this replay'}: ${entry.wouldHaveEffect}`);
  }
  output.line(options.dryRun ? '  dry run: nothing was published' : `  republished ${read - invalid} messages to ${topic}; the consumers handle them idempotently`);
  output.result(result);
  return EXIT.ok;
}
