// Runs a process under a memory limit the way a container runtime does: in a Linux memory cgroup of
// its own. Node sizes its heap from the memory its cgroup allows (process.constrainedMemory()), so
// a service measured on a large machine behaves differently under the 512 Mi a Kubernetes manifest
// gives it; this lets the benchmarks measure it as deployed (`npm run bench -- --service-memory
// 512`). Needs Linux, root, and a writable memory controller: cgroup v1's, or v2's where this
// process's cgroup may have children with the memory controller.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CGROUP_ROOT = '/sys/fs/cgroup';
const MIB = 1024 * 1024;
const REMOVE_ATTEMPTS = 20;
const REMOVE_RETRY_MS = 50;

/** Where this process's memory cgroup is, and which version of the interface it speaks. */
function ownMemoryCgroup() {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  for (const line of lines) {
    const [, controllers, path] = line.split(':');
    if (controllers.split(',').includes('memory') && existsSync(join(CGROUP_ROOT, 'memory'))) return { version: 1, directory: join(CGROUP_ROOT, 'memory', path) };
  }
  const unified = lines.find((line) => line.startsWith('0::'));
  if (unified !== undefined) {
    const base = existsSync(join(CGROUP_ROOT, 'cgroup.controllers')) ? CGROUP_ROOT : join(CGROUP_ROOT, 'unified');
    const directory = join(base, unified.slice(3));
    if (readFileSync(join(directory, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) return { version: 2, directory };
  }
  throw new Error('no memory cgroup controller is mounted for this process');
}

// `limit` must be there; `swapLimit` is where the kernel accounts swap (v1 writes the same limit
// for memory and swap together, v2 allows no swap at all).
const FILES = {
  1: { limit: 'memory.limit_in_bytes', swapLimit: 'memory.memsw.limit_in_bytes', swapValue: (bytes) => bytes, peak: 'memory.max_usage_in_bytes' },
  2: { limit: 'memory.max', swapLimit: 'memory.swap.max', swapValue: () => '0', peak: 'memory.peak' },
};

function oomKillsIn(version, directory) {
  const text = readFileSync(join(directory, version === 1 ? 'memory.oom_control' : 'memory.events'), 'utf8');
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** Whether a process with this id is running (signal 0 checks without sending anything). */
function running(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Removes the empty cgroups that processes which are gone made here: one killed before its services
 * exited (SIGKILL) could not remove theirs. A cgroup that still holds a process stays.
 */
function removeAbandoned(parent) {
  for (const name of readdirSync(parent)) {
    const owner = /^restock-.+-(\d+)$/.exec(name)?.[1];
    if (owner === undefined || running(Number(owner))) continue;
    try {
      rmdirSync(join(parent, name));
    } catch {
      // Not empty: its process still runs.
    }
  }
}

/**
 * Creates a memory cgroup limited to `limitMiB` (no swap beyond it) for one process named `label`,
 * beside this process's own. Throws, saying why, where that cannot be done.
 */
export function createMemoryCgroup(label, limitMiB) {
  if (!Number.isSafeInteger(limitMiB) || limitMiB < 16) throw new Error(`memory limit must be a whole number of MiB ≥ 16, got ${limitMiB}`);
  if (process.platform !== 'linux') throw new Error(`memory limits need Linux cgroups (this is ${process.platform})`);
  let own;
  try {
    own = ownMemoryCgroup();
  } catch (error) {
    throw new Error(`cannot limit ${label}'s memory: ${error.message}`);
  }
  const files = FILES[own.version];
  removeAbandoned(own.directory);
  const directory = join(own.directory, `restock-${label.replace(/[^a-z0-9-]/gi, '_')}-${process.pid}`);
  const bytes = String(limitMiB * MIB);
  try {
    mkdirSync(directory, { recursive: true });
    // cgroup v2 gives a child the memory files only where the parent enables the controller for children.
    if (!existsSync(join(directory, files.limit))) {
      rmdirSync(directory);
      throw new Error(`${files.limit} is missing: the memory controller is not enabled for children of ${own.directory}`);
    }
    writeFileSync(join(directory, files.limit), bytes);
    if (existsSync(join(directory, files.swapLimit))) writeFileSync(join(directory, files.swapLimit), files.swapValue(bytes));
  } catch (error) {
    throw new Error(`cannot limit ${label}'s memory: ${directory} (cgroup v${own.version}): ${error.message}; it needs root and a writable memory controller`);
  }
  const read = () => ({
    limitMiB,
    peakMiB: existsSync(join(directory, files.peak)) ? Number(readFileSync(join(directory, files.peak), 'utf8')) / MIB : null,
    oomKills: oomKillsIn(own.version, directory),
  });
  let removed = null;
  return {
    directory,
    /**
     * The limit, the most memory the cgroup's processes held at once (page cache included, as a
     * container's limit counts it; null where the kernel does not say) and how many of them the
     * kernel killed for going over the limit. After remove(), what they were when it was removed.
     */
    usage: () => removed ?? read(),
    /**
     * Removes the cgroup once its processes are gone, keeping its last usage. The kernel can count
     * a process that just exited for a moment longer, so it tries again for up to a second.
     */
    remove: async () => {
      for (let attempt = 0; removed === null && attempt < REMOVE_ATTEMPTS; attempt += 1) {
        try {
          const last = read();
          rmdirSync(directory);
          removed = last;
        } catch {
          if (!existsSync(directory)) return;
          await new Promise((resolve) => setTimeout(resolve, REMOVE_RETRY_MS));
        }
      }
    },
  };
}

/**
 * The command and arguments that run `command args` inside the cgroup: a shell moves itself into
 * it and then becomes the command (exec), so the process id, signals and exit code are the
 * command's own, and Node starts already under the limit it sizes its heap from.
 */
export function commandInCgroup(cgroup, command, args) {
  return ['/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup.directory, command, ...args]];
}

/** Why memory cgroups cannot be made here, or null when they can: it makes one and removes it. */
export async function memoryCgroupsUnavailable() {
  try {
    await createMemoryCgroup('probe', 64).remove();
    return null;
  } catch (error) {
    return error.message;
  }
}

// `node tools/stack/memory-cgroup.mjs --probe`: exits 0 where memory cgroups can be made, else
// prints why and exits 1 (how the tests, which cannot load this ES module, find out).
// No top-level await: services.mjs imports this module, and the benchmarks require() that one.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--probe') {
  void memoryCgroupsUnavailable().then((reason) => {
    if (reason === null) return;
    process.stdout.write(`${reason}\n`);
    process.exitCode = 1;
  });
}
