import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Kafka } from 'kafkajs';
import { LoggerModule } from 'nestjs-pino';
import { Database, POOL_SIZE_MAX, runtimeRoleOf } from '@restock/event-store';
import { createKafka, OutboxRelay, TopicNamer } from '@restock/messaging';
import type { ServiceConfig } from './config';
import { ConsumerReadiness, HealthController } from './health';
import { Metrics, MetricsController } from './metrics';
import { RethrowToTransportFilter } from './rethrow-to-transport.filter';
import { ShutdownTasks } from './shutdown-tasks';
import { KAFKA, SERVICE_CONFIG } from './tokens';

/** The service's pool: as its runtime role, which may only append to the event table. */
export function runtimeDatabase(config: ServiceConfig): Database {
  return config.runtimeDatabaseUrl
    ? new Database(config.runtimeDatabaseUrl, config.schema)
    : new Database(config.databaseUrl, config.schema, POOL_SIZE_MAX, runtimeRoleOf(config.schema));
}

/** Runs the service's outbox relay for as long as the application runs. */
@Injectable()
export class OutboxRelayRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly relay: OutboxRelay;

  constructor(db: Database, @Inject(KAFKA) kafka: Kafka, namer: TopicNamer, @Inject(SERVICE_CONFIG) config: ServiceConfig, metrics: Metrics) {
    this.relay = new OutboxRelay({
      db,
      kafka,
      namer,
      relayName: config.service,
      compression: config.kafkaCompression,
      packing: config.kafkaPacking,
      onPublished: (count) => metrics.outboxPublished.inc(count),
      onError: (error) => this.logger.warn(`outbox relay: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  private stopped: Promise<void> | null = null;

  /** Stops the relay once; every caller waits for the same stop. */
  onApplicationShutdown(): Promise<void> {
    this.stopped ??= this.relay.stop();
    return this.stopped;
  }
}

/**
 * Closes the pool last. Nest calls a module's shutdown hooks all at once, and the relay records
 * what it published, and shutdown tasks may query, while they stop: a pool closed beside them left
 * published rows in the outbox (docs/reliability.md, failure 10).
 */
@Injectable()
export class DatabaseCloser implements OnApplicationShutdown {
  constructor(
    private readonly db: Database,
    private readonly relay: OutboxRelayRunner,
    private readonly tasks: ShutdownTasks,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.relay.onApplicationShutdown(), this.tasks.onApplicationShutdown()]);
    await this.db.close();
  }
}

/**
 * What every service shares: configuration, its database pool (bound to its schema), Kafka,
 * the topic namer, metrics, health and the outbox relay. Import it once, in the service's root module.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            base: { service: config.service, instance: config.instanceId },
            autoLogging: false,
            quietReqLogger: true,
          },
          // Reads are the hot path (a storefront asks for availability on every page view) and log
          // nothing of their own: a request-scoped child logger per read cost more than the read.
          exclude: [{ method: RequestMethod.GET, path: '*path' }],
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: Database, useFactory: () => runtimeDatabase(config) },
        { provide: KAFKA, useFactory: () => createKafka({
            brokers: config.kafkaBrokers,
            clientId: config.instanceId,
            topicPrefix: config.topicPrefix,
            logFields: { service: config.service, instance: config.instanceId },
          }) },
        { provide: TopicNamer, useValue: new TopicNamer(config.topicPrefix) },
        Metrics,
        ConsumerReadiness,
        OutboxRelayRunner,
        DatabaseCloser,
        ShutdownTasks,
        { provide: APP_FILTER, useClass: RethrowToTransportFilter },
      ],
      exports: [SERVICE_CONFIG, Database, KAFKA, TopicNamer, Metrics, ShutdownTasks, ConsumerReadiness],
    };
  }
}
