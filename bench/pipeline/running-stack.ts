import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { catalogService } from '@restock/catalog-adapters';
import { fulfillmentService } from '@restock/fulfillment-adapters';
import { inventoryService } from '@restock/inventory-adapters';
import { ordersService } from '@restock/orders-adapters';
import { loadServiceConfig, RunningService, ServiceConfig, ServiceDefinition, ServiceName, startService } from '@restock/platform';
import { supplierReceiptsService } from '@restock/supplier-receipts-adapters';

export type ServicesMode = 'child' | 'in-process';

export const SERVICE_NAMES: readonly ServiceName[] = ['catalog', 'inventory', 'orders', 'supplier-receipts', 'fulfillment'];

/** A service's memory under its limit (tools/stack/memory-cgroup.mjs). */
export interface MemoryUsage {
  readonly limitMiB: number;
  /** The most its cgroup held at once, page cache included; null where the kernel does not say. */
  readonly peakMiB: number | null;
  /** Times the kernel killed it for going over the limit. */
  readonly oomKills: number;
}

export interface RunningStack {
  readonly urls: Record<ServiceName, string>;
  /** Process ids of the service processes (this process when in-process). */
  readonly pids: Record<ServiceName, number>;
  /** Each service's memory so far, when they run under a memory limit; null otherwise. */
  memory(): Record<ServiceName, MemoryUsage> | null;
  close(): Promise<void>;
}

export interface StackSettings {
  readonly databaseUrl: string;
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  /** Child processes only: each service in a memory cgroup of this many MiB, as a container limits it. */
  readonly memoryLimitMiB?: number;
}

const DEFINITIONS: Record<ServiceName, (config: ServiceConfig) => ServiceDefinition> = {
  catalog: catalogService,
  inventory: inventoryService,
  orders: ordersService,
  'supplier-receipts': supplierReceiptsService,
  fulfillment: (config) => fulfillmentService(config, { tickIntervalMs: 0 }),
};

/** A port nobody listens on right now; other stacks and test runs share this machine. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startStack(mode: ServicesMode, settings: StackSettings): Promise<RunningStack> {
  if (mode === 'in-process' && settings.memoryLimitMiB !== undefined) throw new Error('a memory limit needs the services in child processes (--services child)');
  return mode === 'child' ? startChildProcesses(settings) : startInProcess(settings);
}

async function startInProcess(settings: StackSettings): Promise<RunningStack> {
  const running: Partial<Record<ServiceName, RunningService>> = {};
  const close = async () => void (await Promise.all(Object.values(running).map((service) => service.close())));
  try {
    for (const name of SERVICE_NAMES) {
      const config = loadServiceConfig(name, { ...process.env, KAFKA_BROKERS: settings.brokers.join(',') }, {
        databaseUrl: settings.databaseUrl,
        topicPrefix: settings.topicPrefix,
        port: 0,
        host: '127.0.0.1',
        logLevel: 'warn',
      });
      running[name] = await startService(config, DEFINITIONS[name](config));
    }
  } catch (error) {
    await close();
    throw error;
  }
  const services = running as Record<ServiceName, RunningService>;
  return {
    urls: Object.fromEntries(SERVICE_NAMES.map((name) => [name, services[name].url])) as Record<ServiceName, string>,
    pids: Object.fromEntries(SERVICE_NAMES.map((name) => [name, process.pid])) as Record<ServiceName, number>,
    memory: () => null,
    close,
  };
}

interface ServiceHandle {
  readonly url: string;
  readonly child: { readonly pid?: number };
  readonly memory: { usage(): MemoryUsage } | null;
}

interface ServicesModule {
  startService(options: { name: string; port: number; env: Record<string, string>; quiet: boolean; memoryLimitMiB?: number }): ServiceHandle;
  waitReady(handle: ServiceHandle): Promise<ServiceHandle>;
  stopAll(handles: readonly ServiceHandle[]): Promise<void>;
}

/** tools/stack/services.mjs is an ES module; Node 20.19+ loads it synchronously. */
function servicesModule(): ServicesModule {
  const load = createRequire(__filename);
  return load(join(__dirname, '..', '..', 'tools', 'stack', 'services.mjs')) as ServicesModule;
}

/**
 * Why the services cannot run under a memory limit here (not Linux, not root, no writable memory
 * controller), or null when they can (tools/stack/memory-cgroup.mjs makes a cgroup and removes it).
 */
export function memoryLimitsUnavailable(): string | null {
  try {
    execFileSync(process.execPath, [join(__dirname, '..', '..', 'tools', 'stack', 'memory-cgroup.mjs'), '--probe'], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout ?? error).trim();
  }
}

async function startChildProcesses(settings: StackSettings): Promise<RunningStack> {
  const services = servicesModule();
  const env = {
    DATABASE_URL: settings.databaseUrl,
    KAFKA_BROKERS: settings.brokers.join(','),
    RESTOCK_TOPIC_PREFIX: settings.topicPrefix,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    FULFILLMENT_TICK_INTERVAL_MS: '0',
  };
  const handles: ServiceHandle[] = [];
  try {
    // One at a time: each runs its migrations, and the shared database takes them in turn anyway.
    for (const name of SERVICE_NAMES) {
      const handle = services.startService({ name, port: await freePort(), env, quiet: false, memoryLimitMiB: settings.memoryLimitMiB });
      handles.push(handle);
      await services.waitReady(handle);
    }
  } catch (error) {
    await services.stopAll(handles);
    throw error;
  }
  return {
    urls: Object.fromEntries(SERVICE_NAMES.map((name, index) => [name, handles[index]!.url])) as Record<ServiceName, string>,
    pids: Object.fromEntries(SERVICE_NAMES.map((name, index) => [name, handles[index]!.child.pid ?? 0])) as Record<ServiceName, number>,
    memory: () =>
      settings.memoryLimitMiB === undefined ? null : (Object.fromEntries(SERVICE_NAMES.map((name, index) => [name, handles[index]!.memory!.usage()])) as Record<ServiceName, MemoryUsage>),
    close: () => services.stopAll(handles),
  };
}
