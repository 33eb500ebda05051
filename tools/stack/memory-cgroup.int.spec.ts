import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// services.mjs and memory-cgroup.mjs are ES modules jest cannot load: a Node script runs them.
const STACK = __dirname;

interface Outcome {
  readonly exitCode: number | string;
  readonly usage: { limitMiB: number; peakMiB: number | null; oomKills: number };
  readonly cgroupLeft: boolean;
  readonly seen: { constrainedMiB: number; heapLimitMiB: number } | null;
}

/** Starts `entry` as the catalog service under `limitMiB` through startService and waits for it to exit. */
function runLimited(entry: string, limitMiB: number, report: string): Outcome {
  const script = `
    import { existsSync } from 'node:fs';
    import { startService } from ${JSON.stringify(join(STACK, 'services.mjs'))};
    const handle = startService({ name: 'catalog', port: 0, entry: ${JSON.stringify(entry)}, quiet: true, memoryLimitMiB: ${limitMiB}, env: { REPORT: ${JSON.stringify(report)} } });
    const exitCode = await handle.exited;
    process.stdout.write(JSON.stringify({ exitCode, usage: handle.memory.usage(), cgroupLeft: existsSync(handle.memory.directory) }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  const outcome = JSON.parse(out) as Omit<Outcome, 'seen'>;
  return { ...outcome, seen: existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as Outcome['seen']) : null };
}

/** Why memory cgroups cannot be made here, or null when they can. */
function memoryCgroupsUnavailable(): string | null {
  try {
    execFileSync(process.execPath, [join(STACK, 'memory-cgroup.mjs'), '--probe'], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout ?? error).trim();
  }
}

const unavailable = memoryCgroupsUnavailable();
const itWithCgroups = unavailable === null ? it : it.skip;
if (unavailable !== null) process.stderr.write(`memory cgroup tests skipped: ${unavailable}\n`);

describe('a service started under a memory limit', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'restock-memory-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  itWithCgroups('runs in a cgroup of that size, so Node sizes its heap from it, and the cgroup goes with the process', () => {
    const entry = join(dir, 'report.js');
    writeFileSync(
      entry,
      `const v8 = require('node:v8');
       require('node:fs').writeFileSync(process.env.REPORT, JSON.stringify({ constrainedMiB: process.constrainedMemory() / 1048576, heapLimitMiB: v8.getHeapStatistics().heap_size_limit / 1048576 }));`,
    );
    const outcome = runLimited(entry, 512, join(dir, 'seen.json'));
    expect(outcome.exitCode).toBe(0);
    expect(outcome.seen!.constrainedMiB).toBe(512);
    // On this machine's memory (GBs) V8 would allow a heap of several GB; under 512 MiB, about half of it.
    expect(outcome.seen!.heapLimitMiB).toBeLessThan(512);
    expect(outcome.usage).toMatchObject({ limitMiB: 512, oomKills: 0 });
    expect(outcome.cgroupLeft).toBe(false);
  });

  itWithCgroups('removes the empty cgroups that a process which is gone left behind', () => {
    // A process id that is not running: a short-lived child's, after it exited.
    const gone = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    // A service that exits at once: only where its cgroup goes matters.
    const entry = join(dir, 'exit.js');
    writeFileSync(entry, '');
    const script = `
      import { mkdirSync, existsSync } from 'node:fs';
      import { dirname, join } from 'node:path';
      import { startService } from ${JSON.stringify(join(STACK, 'services.mjs'))};
      // Where the cgroups go: beside the one a first service gets.
      const first = startService({ name: 'catalog', port: 0, entry: ${JSON.stringify(entry)}, quiet: true, memoryLimitMiB: 256 });
      await first.exited;
      const abandoned = join(dirname(first.memory.directory), 'restock-catalog-${gone}');
      mkdirSync(abandoned);
      const second = startService({ name: 'catalog', port: 0, entry: ${JSON.stringify(entry)}, quiet: true, memoryLimitMiB: 256 });
      const before = existsSync(abandoned);
      await second.exited;
      process.stdout.write(JSON.stringify({ leftAfterNextStart: before }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })) as { leftAfterNextStart: boolean };
    expect(out.leftAfterNextStart).toBe(false);
  });

  itWithCgroups('is killed by the kernel when it holds more than that, and the kill is counted', () => {
    const entry = join(dir, 'hog.js');
    // Filled buffers, outside the V8 heap: resident memory, as a container's limit counts it.
    writeFileSync(entry, 'const held = []; for (let i = 0; i < 40; i += 1) held.push(Buffer.alloc(16 * 1048576, 1));');
    const outcome = runLimited(entry, 128, join(dir, 'seen.json'));
    expect(outcome.exitCode).toBe('SIGKILL');
    expect(outcome.usage.oomKills).toBeGreaterThanOrEqual(1);
    expect(outcome.cgroupLeft).toBe(false);
  });
});
