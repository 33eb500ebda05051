import { INestApplication, Type, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka } from 'kafkajs';
import { Logger } from 'nestjs-pino';
import { Database, isTransientError, MigrationClass, runMigrations } from '@restock/event-store';
import { ConsumedInput, KafkaTransport, ProcessedInputsPruner, TopicNamer } from '@restock/messaging';
import type { ServiceConfig } from './config';
import { watchConsumerLag } from './consumer-lag';
import { ConsumerReadiness } from './health';
import { Metrics } from './metrics';
import { ShutdownTasks } from './shutdown-tasks';
import { KAFKA } from './tokens';
import { contractValidationPipe } from './validation';

export const DATABASE_WAIT_MS_MIN = 500;
export const DATABASE_WAIT_MS_MAX = 10_000;

export interface ServiceDefinition {
  readonly module: DynamicModule | Type<unknown>;
  readonly migrations: readonly MigrationClass[];
  /** Present when the service consumes topics through @EventPattern handlers. */
  readonly consumer?: {
    readonly groupId: string;
    readonly lockKeyOf?: (input: ConsumedInput) => string | null;
  };
}

export interface RunningService {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Migrates the service's schema, then starts its HTTP API (Fastify) and, if it has one, its Kafka
 * consumer. On SIGTERM/SIGINT Nest closes the consumer (finishing its batch), the relay and the pool.
 */
export async function startService(config: ServiceConfig, definition: ServiceDefinition): Promise<RunningService> {
  await migrateOnceReachable(config, definition.migrations);
  const app = await NestFactory.create<NestFastifyApplication>(definition.module, new FastifyAdapter({ bodyLimit: config.httpBodyBytesMax }), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(contractValidationPipe());
  app.enableShutdownHooks();
  if (definition.consumer) {
    const metrics = app.get(Metrics);
    const logger = app.get(Logger);
    const log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) =>
      logger[level === 'warn' ? 'warn' : level === 'error' ? 'error' : 'log']({ ...fields, msg: message });
    const transport = new KafkaTransport({
      kafka: app.get<Kafka>(KAFKA),
      namer: app.get(TopicNamer),
      db: app.get(Database),
      consumerName: config.service,
      metrics,
      log,
      ...definition.consumer,
    });
    app.get(ConsumerReadiness).follow(() => transport.state);
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    const stopWatching = watchConsumerLag(metrics.consumerLag, app.get<Kafka>(KAFKA), app.get(TopicNamer), definition.consumer.groupId);
    app.get(ShutdownTasks).add(stopWatching);
    const pruner = new ProcessedInputsPruner({
      db: app.get(Database),
      kafka: app.get<Kafka>(KAFKA),
      namer: app.get(TopicNamer),
      consumerName: config.service,
      topics: transport.topics,
      policy: config.processedInputsRetention,
      intervalMs: config.processedInputsPruneIntervalMs,
      log,
      onPruned: (count) => metrics.processedInputsPruned.inc(count),
    });
    pruner.start();
    app.get(ShutdownTasks).add(() => pruner.stop());
  }
  // HTTP last: a service answers ready only once its consumer has joined its group. (Binding first
  // was tried: supervisors then saw it ready mid-join, and a SIGTERM there took 18 s.)
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * Runs the migrations, waiting (with backoff) for a PostgreSQL that does not answer yet, as after a
 * machine start or during a database restart; a service under a supervisor should not crash-loop
 * on that. Any other failure (a broken migration, refused credentials) ends the start at once.
 */
async function migrateOnceReachable(config: ServiceConfig, migrations: readonly MigrationClass[]): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await runMigrations(config.databaseUrl, config.schema, migrations);
      return;
    } catch (error) {
      if (!isTransientError(error)) throw error;
      const delayMs = Math.min(DATABASE_WAIT_MS_MAX, DATABASE_WAIT_MS_MIN * 2 ** Math.min(attempt, 10));
      process.stderr.write(`${JSON.stringify({ level: 40, service: config.service, msg: 'PostgreSQL not reachable; waiting', attempt: attempt + 1, delayMs, error: String(error) })}\n`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
