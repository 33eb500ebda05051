import { Kafka, logLevel } from 'kafkajs';
import { Database } from '@restock/event-store';
import { parseBrokers, registerCompressionCodecs, TopicNamer } from '@restock/messaging';
import { DEFAULT_DATABASE_URL, SERVICES, ServiceName } from '@restock/platform';

/** The CLI gives up on an unreachable broker after a few seconds instead of retrying for minutes. */
export const CLI_KAFKA_CONNECTION_TIMEOUT_MS = 3_000;
export const CLI_KAFKA_REQUEST_TIMEOUT_MS = 30_000;
export const CLI_KAFKA_RETRIES_MAX = 2;
export const CLI_POOL_SIZE_MAX = 4;

/** Where the services are: the same environment variables the services read. */
export class Environment {
  readonly databaseUrl: string;
  readonly brokers: string[];
  readonly namer: TopicNamer;
  private kafkaClient: Kafka | null = null;
  private readonly databases = new Map<ServiceName, Database>();

  constructor(env: NodeJS.ProcessEnv) {
    this.databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
    this.brokers = parseBrokers(env.KAFKA_BROKERS);
    this.namer = new TopicNamer(env.RESTOCK_TOPIC_PREFIX ?? '');
  }

  get kafka(): Kafka {
    // Re-consuming an input or redriving a dead letter reads batches that any producer may have compressed.
    registerCompressionCodecs();
    this.kafkaClient ??= new Kafka({
      clientId: 'restock-cli',
      brokers: this.brokers,
      connectionTimeout: CLI_KAFKA_CONNECTION_TIMEOUT_MS,
      requestTimeout: CLI_KAFKA_REQUEST_TIMEOUT_MS,
      retry: { retries: CLI_KAFKA_RETRIES_MAX, initialRetryTime: 300, maxRetryTime: 2_000 },
      logLevel: logLevel.NOTHING,
    });
    return this.kafkaClient;
  }

  /** The pool of one service's schema (the services share one database, a schema each). */
  database(service: ServiceName): Database {
    let db = this.databases.get(service);
    if (!db) {
      db = new Database(this.databaseUrl, SERVICES[service].schema, CLI_POOL_SIZE_MAX);
      this.databases.set(service, db);
    }
    return db;
  }

  async close(): Promise<void> {
    await Promise.all([...this.databases.values()].map((db) => db.close().catch(() => undefined)));
  }
}
