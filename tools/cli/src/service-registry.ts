import { SERVICES, ServiceName, ServiceOperations } from '@restock/platform';
import { CliError, EXIT } from './exit-codes';

/**
 * The services the CLI can operate, loaded on demand so `restock --help` stays fast. A service
 * plugs in by exporting its ServiceOperations from its adapters and adding its line here.
 */
const REGISTRY: Readonly<Record<ServiceName, (() => Promise<ServiceOperations>) | null>> = {
  catalog: async () => (await import('@restock/catalog-adapters')).CATALOG_OPERATIONS,
  fulfillment: async () => (await import('@restock/fulfillment-adapters')).fulfillmentOperations(),
  inventory: async () => (await import('@restock/inventory-adapters')).INVENTORY_OPERATIONS,
  orders: async () => (await import('@restock/orders-adapters')).ordersOperations(),
  'supplier-receipts': async () => (await import('@restock/supplier-receipts-adapters')).SUPPLIER_RECEIPTS_OPERATIONS,
};

function isServiceName(name: string): name is ServiceName {
  return Object.prototype.hasOwnProperty.call(SERVICES, name);
}

export function registeredServices(): ServiceName[] {
  return (Object.keys(REGISTRY) as ServiceName[]).filter((name) => REGISTRY[name] !== null);
}

export async function operationsOf(name: string): Promise<ServiceOperations> {
  if (!isServiceName(name)) throw new CliError(EXIT.notFound, `unknown service ${JSON.stringify(name)}; known: ${Object.keys(SERVICES).join(', ')}`);
  const load = REGISTRY[name];
  if (!load) throw new CliError(EXIT.notFound, `service ${name} has no operator support yet (tools/cli/src/service-registry.ts)`);
  return load();
}

/** The services whose consumer reads the topic; with `only`, that one, which must read it. */
export async function consumersOf(topic: string, only?: string): Promise<ServiceOperations[]> {
  const candidates = only ? [await operationsOf(only)] : await Promise.all(registeredServices().map(operationsOf));
  const consumers = candidates.filter((operations) => operations.consumedTopics.includes(topic));
  if (consumers.length === 0) {
    throw new CliError(EXIT.notFound, only ? `service ${only} does not consume ${topic}` : `no service consumes ${topic}; known inputs: ${knownTopics(candidates).join(', ')}`);
  }
  return consumers;
}

function knownTopics(services: readonly ServiceOperations[]): string[] {
  return [...new Set(services.flatMap((operations) => operations.consumedTopics))].sort();
}
