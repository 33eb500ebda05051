// Starts Restock services as child processes running their TypeScript directly through
// @swc-node/register, waits for them to be ready and stops them. Used by `npm start`, and by
// tests and benchmarks that need running services.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './infra.mjs';
import { commandInCgroup, createMemoryCgroup } from './memory-cgroup.mjs';

export const SERVICES = [
  { name: 'catalog', port: 3001 },
  { name: 'inventory', port: 3002 },
  { name: 'orders', port: 3003 },
  { name: 'supplier-receipts', port: 3004 },
  { name: 'fulfillment', port: 3005 },
];

// Node options per service, in a JSON file the benchmarks read too. The fulfillment saga holds SKU
// states in memory: without a limit V8 lets the heap grow to about four times what survived its
// last full collection before it collects again; 192 MB keeps the process under 300 MB resident
// with a 100,000-line SKU and still re-dates 200,000 lines (docs/decisions.md, "Fulfillment heap
// limit"); a fixed growing factor spares it a full collection every second or so under load
// ("Fulfillment heap growing factor"). Orders, inventory and supplier-receipts, which have no heap
// limit, get a young generation twice the default ("Young generation"): a batch's objects, alive
// across its database round trips, then die young instead of being copied into the old generation.
// Every service sets its young generation, and orders its growing factor too, because under a
// container's memory limit V8 would size both from that limit ("Heaps under a container's memory
// limit"). deploy/k8s and docker-compose.yml set the same through
// RESTOCK_NODE_ARGS, which the image's entrypoint passes to node (NODE_OPTIONS refuses --heap-growing-percent).
const NODE_OPTIONS = JSON.parse(readFileSync(new URL('./service-node-options.json', import.meta.url), 'utf8'));

/** The Node options a service runs with, before the TypeScript loader. */
export function nodeOptionsOf(name) {
  return [...(NODE_OPTIONS[name] ?? [])];
}

// RESTOCK_CPU_PROFILE_DIR=<dir>: every service writes a V8 CPU profile there when it exits (how the
// profiles in docs/benchmarks.md were taken). NODE_OPTIONS cannot carry --cpu-prof, hence this.
function profilingOptions() {
  const dir = process.env.RESTOCK_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
export const INSTANCE_PORT_STEP = 100;
const READY_TIMEOUT_MS = 120_000;
const READY_POLL_MS = 250;
const READY_REQUEST_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 10_000;

// Children live in their own process groups, so they would outlive a parent that dies of an
// uncaught error; this last-resort hook takes them down with it.
const liveChildren = new Set();
process.on('exit', () => {
  for (const handle of liveChildren) signal(handle, 'SIGKILL');
});

export function serviceEntry(name) {
  return join(REPO_ROOT, 'apps', name, 'src', 'main.ts');
}

export function serviceExists(name) {
  return existsSync(serviceEntry(name));
}

export function portEnvName(name) {
  return `${name.toUpperCase().replaceAll('-', '_')}_PORT`;
}

export function servicePort(name, instance = 0) {
  const service = SERVICES.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`unknown service ${name}; known: ${SERVICES.map((s) => s.name).join(', ')}`);
  return service.port + instance * INSTANCE_PORT_STEP;
}

// env carries DATABASE_URL, KAFKA_BROKERS, RESTOCK_OPERATOR_TOKEN and anything else the service
// needs; the port variable and the swc-node settings are added here. `entry` replaces
// apps/<name>/src/main.ts, for a stand-in service in tests of the tooling. `memoryLimitMiB` runs
// the service in a memory cgroup of its own with that limit, as a container would (memory-cgroup.mjs);
// the handle's `memory` then tells its peak and whether the kernel killed it for memory.
export function startService({
  name,
  instance = 0,
  port = servicePort(name, instance),
  env = {},
  entry = serviceEntry(name),
  quiet = false,
  memoryLimitMiB = undefined,
}) {
  const label = instance === 0 ? name : `${name}#${instance + 1}`;
  const memory = memoryLimitMiB === undefined ? null : createMemoryCgroup(label, memoryLimitMiB);
  const args = [...nodeOptionsOf(name), ...profilingOptions(), '-r', '@swc-node/register', entry];
  const [command, commandArgs] = memory === null ? [process.execPath, args] : commandInCgroup(memory, process.execPath, args);
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
      ...env,
      [portEnvName(name)]: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group keeps a terminal Ctrl-C away from the service, so the parent decides
    // the order of shutdown.
    detached: true,
  });
  const handle = { name, label, instance, port, url: `http://127.0.0.1:${port}`, child, exitCode: undefined, memory };
  handle.exited = new Promise((resolvePromise) => {
    child.on('exit', (code, signal) => {
      handle.exitCode = code ?? signal;
      if (memory === null) resolvePromise(handle.exitCode);
      else void memory.remove().then(() => resolvePromise(handle.exitCode));
    });
  });
  if (!quiet) {
    prefixLines(child.stdout, label, process.stdout);
    prefixLines(child.stderr, label, process.stderr);
  } else {
    child.stdout.resume();
    child.stderr.resume();
  }
  liveChildren.add(handle);
  handle.exited.then(() => liveChildren.delete(handle));
  return handle;
}

function prefixLines(stream, label, target) {
  const prefix = `[${label}] `;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => target.write(`${prefix}${line}\n`));
}

export async function waitReady(handle, { timeoutMs = READY_TIMEOUT_MS } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle.exitCode !== undefined) {
      throw new Error(`${handle.label} exited (${handle.exitCode}) before it was ready`);
    }
    if (await answersReady(handle.url)) return handle;
    await Promise.race([sleep(READY_POLL_MS), handle.exited]);
  }
  throw new Error(`${handle.label} did not answer GET ${handle.url}/health/ready within ${timeoutMs / 1000} s`);
}

async function answersReady(url) {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(READY_REQUEST_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

// SIGTERM first so services drain consumers and close the outbox relay; SIGKILL whatever is
// still running after the grace period.
export async function stopAll(handles, { graceMs = STOP_GRACE_MS } = {}) {
  const running = handles.filter((handle) => handle.exitCode === undefined);
  for (const handle of running) signal(handle, 'SIGTERM');
  const timer = setTimeout(() => {
    for (const handle of running) {
      if (handle.exitCode === undefined) {
        process.stderr.write(`[stack] ${handle.label} still running after ${graceMs / 1000} s; killing it\n`);
        signal(handle, 'SIGKILL');
      }
    }
  }, graceMs);
  await Promise.all(running.map((handle) => handle.exited));
  clearTimeout(timer);
}

function signal(handle, name) {
  try {
    handle.child.kill(name);
  } catch {
    // The process is already gone.
  }
}

function sleep(ms) {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
