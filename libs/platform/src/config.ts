import { randomBytes } from 'node:crypto';
import { InputRetentionPolicy, KafkaCompression, KafkaPacking, parseBrokers, parseKafkaCompression, parseKafkaPacking, PRUNE_INTERVAL_MS_DEFAULT } from '@restock/messaging';

export const SERVICES = {
  catalog: { port: 3001, schema: 'catalog' },
  inventory: { port: 3002, schema: 'inventory' },
  orders: { port: 3003, schema: 'orders' },
  'supplier-receipts': { port: 3004, schema: 'supplier_receipts' },
  fulfillment: { port: 3005, schema: 'fulfillment' },
} as const;

export type ServiceName = keyof typeof SERVICES;

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/restock';
export const HTTP_BODY_BYTES_MAX = 1_048_576;
/** Operator requests allowed per client address and window; a flood of guesses at the token gets 429. */
export const OPERATOR_RATE_LIMIT = 30;
export const OPERATOR_RATE_WINDOW_MS = 60_000;

export interface ServiceConfig {
  readonly service: ServiceName;
  /** Distinguishes instances of one service in logs and client ids. */
  readonly instanceId: string;
  readonly schema: string;
  readonly host: string;
  readonly port: number;
  /** The owner's connection: migrations run with it. */
  readonly databaseUrl: string;
  /** A login as the service's runtime role (`<SERVICE>_DATABASE_URL`); null: the owner's login acting as that role. */
  readonly runtimeDatabaseUrl: string | null;
  readonly kafkaBrokers: readonly string[];
  readonly topicPrefix: string;
  /** How the outbox relay compresses what it publishes (RESTOCK_KAFKA_COMPRESSION); consumers read every codec. */
  readonly kafkaCompression: KafkaCompression;
  /** Whether the outbox relay packs what it publishes on internal topics (RESTOCK_KAFKA_PACKING); consumers read both. */
  readonly kafkaPacking: KafkaPacking;
  /** null: operator endpoints are off. */
  readonly operatorToken: string | null;
  /** Operator requests allowed per client address within operatorRateWindowMs. */
  readonly operatorRateLimit: number;
  readonly operatorRateWindowMs: number;
  readonly environment: 'development' | 'test' | 'production';
  readonly logLevel: string;
  readonly httpBodyBytesMax: number;
  /** How long processed input ids are kept (RESTOCK_PROCESSED_INPUTS_RETENTION: `topics`, `forever` or `<days>d`). */
  readonly processedInputsRetention: InputRetentionPolicy;
  readonly processedInputsPruneIntervalMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function envName(service: ServiceName, suffix: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

const DAY_MS = 86_400_000;
const RETENTION_DAYS_MAX = 36_500;

/**
 * `topics` (the default): as long as the consumed topics and their dead-letter topics can deliver an
 * id again; `forever`; or `<N>d`: as `topics`, and at least N days (for upstream systems that may
 * publish an event again after their topic dropped it).
 */
export function parseInputRetention(raw: string | undefined): InputRetentionPolicy {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'topics') return { kind: 'topics', atLeastMs: 0 };
  if (value === 'forever') return { kind: 'forever' };
  const days = /^(\d{1,5})d$/.exec(value);
  if (days && Number(days[1]) >= 1 && Number(days[1]) <= RETENTION_DAYS_MAX) return { kind: 'topics', atLeastMs: Number(days[1]) * DAY_MS };
  throw new ConfigError(`RESTOCK_PROCESSED_INPUTS_RETENTION must be topics, forever or a number of days from 1d to ${RETENTION_DAYS_MAX}d, got ${JSON.stringify(raw)}`);
}

export const KAFKA_COMPRESSION_DEFAULT: KafkaCompression = 'none';
export const KAFKA_PACKING_DEFAULT: KafkaPacking = 'internal';

/** A setting read by its library's parser; what the parser refuses is a configuration error naming the variable. */
function setting<T>(env: NodeJS.ProcessEnv, name: string, parse: (raw: string | undefined) => T): T {
  try {
    return parse(env[name]);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

/** Reads one service's configuration from the environment; every value has a development default but the token. */
export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  const environment = (env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development') as ServiceConfig['environment'];
  const brokers = parseBrokers(env.KAFKA_BROKERS);
  if (brokers.length === 0) throw new ConfigError('KAFKA_BROKERS is empty');
  return {
    service,
    instanceId: env.RESTOCK_INSTANCE_ID ?? `${service}-${process.pid}-${randomBytes(3).toString('hex')}`,
    schema: SERVICES[service].schema,
    host: env.HOST ?? '0.0.0.0',
    port: integer(env, envName(service, 'PORT'), SERVICES[service].port, 0, 65_535),
    databaseUrl: env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    runtimeDatabaseUrl: env[envName(service, 'DATABASE_URL')] || null,
    kafkaBrokers: brokers,
    topicPrefix: env.RESTOCK_TOPIC_PREFIX ?? '',
    kafkaCompression: setting(env, 'RESTOCK_KAFKA_COMPRESSION', (raw) => parseKafkaCompression(raw, KAFKA_COMPRESSION_DEFAULT)),
    kafkaPacking: setting(env, 'RESTOCK_KAFKA_PACKING', (raw) => parseKafkaPacking(raw, KAFKA_PACKING_DEFAULT)),
    operatorToken: env.RESTOCK_OPERATOR_TOKEN && env.RESTOCK_OPERATOR_TOKEN.length > 0 ? env.RESTOCK_OPERATOR_TOKEN : null,
    operatorRateLimit: integer(env, 'RESTOCK_OPERATOR_RATE_LIMIT', OPERATOR_RATE_LIMIT, 1, 100_000),
    operatorRateWindowMs: integer(env, 'RESTOCK_OPERATOR_RATE_WINDOW_MS', OPERATOR_RATE_WINDOW_MS, 1_000, 86_400_000),
    environment,
    logLevel: env.LOG_LEVEL ?? 'info',
    httpBodyBytesMax: integer(env, 'RESTOCK_HTTP_BODY_BYTES_MAX', HTTP_BODY_BYTES_MAX, 1_024, 16 * HTTP_BODY_BYTES_MAX),
    processedInputsRetention: parseInputRetention(env.RESTOCK_PROCESSED_INPUTS_RETENTION),
    processedInputsPruneIntervalMs: integer(env, 'RESTOCK_PROCESSED_INPUTS_PRUNE_INTERVAL_MS', PRUNE_INTERVAL_MS_DEFAULT, 1_000, DAY_MS),
    ...overrides,
  };
}
