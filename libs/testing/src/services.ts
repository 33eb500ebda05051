import { Database } from '@restock/event-store';
import { loadServiceConfig, RunningService, ServiceConfig, ServiceDefinition, ServiceName, startService } from '@restock/platform';
import { createTestDatabase, TestDatabase, testKafka, TestKafka } from './infrastructure';

/** What a spec file gets to talk to its service with; read it in tests and hooks, not at load time. */
export interface ServiceUnderTest {
  readonly config: ServiceConfig;
  readonly service: RunningService;
  /** The service's HTTP base URL. */
  readonly url: string;
  readonly testDb: TestDatabase;
  readonly kafka: TestKafka;
  /** A pool of the schema's owner on the service's schema, for looking into its tables. */
  readonly db: Database;
}

export interface ServiceUnderTestOptions {
  /** Names the database and the topic prefix; defaults to the service's name. */
  readonly label?: string;
  /** Added to process.env for loadServiceConfig (RESTOCK_OPERATOR_TOKEN, say). */
  readonly env?: Readonly<Record<string, string>>;
  /** Set over what loadServiceConfig reads. */
  readonly config?: Partial<ServiceConfig>;
}

/**
 * Starts a service before the spec file's tests, on a database and a topic prefix of its own, and
 * stops it after them, then drops the database. Registers its own beforeAll and afterAll.
 */
export function serviceUnderTest(
  name: ServiceName,
  definitionOf: (config: ServiceConfig) => ServiceDefinition,
  options: ServiceUnderTestOptions = {},
): ServiceUnderTest {
  const label = options.label ?? name;
  let started: { config: ServiceConfig; service: RunningService; testDb: TestDatabase; kafka: TestKafka; db: Database } | null = null;
  let testDb: TestDatabase | null = null;
  let kafka: TestKafka | null = null;
  let db: Database | null = null;
  let service: RunningService | null = null;

  beforeAll(async () => {
    testDb = await createTestDatabase(label.replace(/-/g, '_'));
    kafka = testKafka(label);
    const config = loadServiceConfig(name, { ...process.env, ...options.env }, { databaseUrl: testDb.url, topicPrefix: kafka.topicPrefix, port: 0, logLevel: 'warn', ...options.config });
    service = await startService(config, definitionOf(config));
    db = new Database(testDb.url, config.schema);
    started = { config, service, testDb, kafka, db };
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await service?.close();
    await kafka?.close();
    await testDb?.drop();
  });

  const running = () => {
    if (started === null) throw new Error(`${name} is not running: serviceUnderTest's values are for tests and hooks, after its beforeAll`);
    return started;
  };
  return {
    get config() {
      return running().config;
    },
    get service() {
      return running().service;
    },
    get url() {
      return running().service.url;
    },
    get testDb() {
      return running().testDb;
    },
    get kafka() {
      return running().kafka;
    },
    get db() {
      return running().db;
    },
  };
}
