import { catalogService } from '@restock/catalog-adapters';
import { FulfillmentOptions, fulfillmentService } from '@restock/fulfillment-adapters';
import { inventoryService } from '@restock/inventory-adapters';
import { ordersService } from '@restock/orders-adapters';
import { loadServiceConfig, RunningService, ServiceConfig, ServiceDefinition, ServiceName, startService } from '@restock/platform';
import { supplierReceiptsService } from '@restock/supplier-receipts-adapters';

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
