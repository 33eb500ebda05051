import { catalogService } from '@restock/catalog-adapters';
import type { ProductDefinitionBody } from '@restock/contracts';
import { FulfillmentOptions, fulfillmentService } from '@restock/fulfillment-adapters';
import { inventoryService } from '@restock/inventory-adapters';
import { ordersService } from '@restock/orders-adapters';
import { loadServiceConfig, RunningService, ServiceConfig, ServiceDefinition, ServiceName, startService } from '@restock/platform';
import { supplierReceiptsService } from '@restock/supplier-receipts-adapters';
import { createTestDatabase, TestDatabase, testKafka, TestKafka } from '@restock/testing';

const STACK_START_TIMEOUT_MS = 120_000;

export type Stack = Record<ServiceName, RunningService> & { close(): Promise<void> };

const DEFINITIONS: Record<ServiceName, (config: ServiceConfig, fulfillment: FulfillmentOptions) => ServiceDefinition> = {
  catalog: (config) => catalogService(config),
  inventory: (config) => inventoryService(config),
  orders: (config) => ordersService(config),
  'supplier-receipts': (config) => supplierReceiptsService(config),
  fulfillment: (config, options) => fulfillmentService(config, options),
};

/**
 * All five services in this process, each its own NestJS application with its own schema,
 * consumer group and outbox relay, talking to each other only over the real Kafka broker.
 */
export async function startStack(databaseUrl: string, topicPrefix: string, fulfillment: FulfillmentOptions = {}): Promise<Stack> {
  const names = Object.keys(DEFINITIONS) as ServiceName[];
  const running: Partial<Record<ServiceName, RunningService>> = {};
  try {
    for (const name of names) {
      const config = loadServiceConfig(name, process.env, { databaseUrl, topicPrefix, port: 0, host: '127.0.0.1', logLevel: 'warn' });
      running[name] = await startService(config, DEFINITIONS[name](config, fulfillment));
    }
  } catch (error) {
    await Promise.all(Object.values(running).map((service) => service.close()));
    throw error;
  }
  const services = running as Record<ServiceName, RunningService>;
  return { ...services, close: async () => void (await Promise.all(names.map((name) => services[name].close()))) };
}

/** The stack an end-to-end spec runs against, with the database and topic prefix of its own. */
export interface StackUnderTest {
  readonly kafka: TestKafka;
  readonly stack: Stack;
}

/**
 * Starts the five services before the spec's tests, each spec on its own database and topic
 * prefix, and stops them after. Read the fields inside tests (they are set by beforeAll).
 */
export function useStack(label: string, fulfillment: FulfillmentOptions = {}): StackUnderTest {
  const under: { db?: TestDatabase; kafka?: TestKafka; stack?: Stack } = {};
  beforeAll(async () => {
    under.db = await createTestDatabase(label.replace(/-/g, '_'));
    under.kafka = testKafka(label);
    under.stack = await startStack(under.db.url, under.kafka.topicPrefix, fulfillment);
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await under.stack?.close();
    await under.kafka?.close();
    await under.db?.drop();
  });
  return {
    get kafka() {
      return under.kafka!;
    },
    get stack() {
      return under.stack!;
    },
  };
}

/** Defines a product through the catalog's HTTP API, as a merchant does; answers the HTTP status. */
export async function defineProduct(stack: Stack, sku: string, product: ProductDefinitionBody): Promise<number> {
  const response = await fetch(`${stack.catalog.url}/products/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(product) });
  return response.status;
}
