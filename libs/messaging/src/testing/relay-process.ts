// A standalone outbox relay, run as a child process by the relay integration test so that the test
// can kill it with SIGKILL in the middle of its work.
import 'reflect-metadata';
import { Database } from '@restock/event-store';
import { createKafka, parseBrokers, TopicNamer } from '../kafka';
import { OutboxRelay } from '../outbox-relay';

async function main(): Promise<void> {
  const db = new Database(process.env.DATABASE_URL!, process.env.RELAY_SCHEMA!);
  const prefix = process.env.RESTOCK_TOPIC_PREFIX!;
  const relay = new OutboxRelay({
    db,
    kafka: createKafka({ brokers: parseBrokers(process.env.KAFKA_BROKERS), clientId: 'relay-test', topicPrefix: prefix }),
    namer: new TopicNamer(prefix),
    relayName: process.env.RELAY_NAME!,
    batchSizeMax: Number(process.env.RELAY_BATCH_SIZE ?? 200),
    onPublished: (count) => process.stdout.write(`published ${count}\n`),
    onError: (error) => process.stderr.write(`relay error: ${String(error)}\n`),
  });
  relay.start();
  process.on('SIGTERM', () => void relay.stop().then(() => db.close()).then(() => process.exit(0)));
}

void main();
