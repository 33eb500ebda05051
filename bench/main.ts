import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { availabilityBenchmark } from './availability/availability.bench';
import { BenchmarkResult, formatTable, gitCommit, machine, writeReport } from './harness/results';
import { HOT_SKU_LINES_DEFAULT, hotSkuBenchmark } from './hot-sku/hot-sku.bench';
import { PIPELINE_LINES_DEFAULT, pipelineBenchmark, ServicesMode } from './pipeline/pipeline.bench';
import { REPLAY_EVENTS_DEFAULT, replayBenchmark } from './replay/replay.bench';

const BENCHMARKS = ['pipeline', 'availability', 'replay', 'hot-sku'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

interface CliOptions {
  only?: string;
  scale: string;
  services: ServicesMode;
  serviceMemory?: string;
  output: string;
}

/** What every benchmark of a run is given besides its size. */
interface RunSettings {
  readonly services: ServicesMode;
  /** The pipeline's services each run under this memory limit (MiB), as a container limits them. */
  readonly memoryLimitMiB?: number;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function scaled(size: number, scale: number): number {
  return Math.max(1, Math.round(size * scale));
}

async function run(name: BenchmarkName, scale: number, { services, memoryLimitMiB }: RunSettings): Promise<BenchmarkResult> {
  switch (name) {
    case 'pipeline':
      return pipelineBenchmark({ lines: scaled(PIPELINE_LINES_DEFAULT, scale), services, memoryLimitMiB, log });
    case 'availability':
      return availabilityBenchmark({ durationSeconds: Math.max(3, Math.round(15 * Math.min(1, scale))), services, log });
    case 'replay':
      return replayBenchmark({ events: scaled(REPLAY_EVENTS_DEFAULT, scale), log });
    case 'hot-sku':
      return hotSkuBenchmark({ lines: scaled(HOT_SKU_LINES_DEFAULT, scale), saga: true, log });
    default: {
      const unknown: never = name;
      throw new Error(`unknown benchmark ${String(unknown)}`);
    }
  }
}

/** Set in the process that runs one benchmark for a parent running several. */
const CHILD_ENV = 'RESTOCK_BENCH_CHILD';

/**
 * Runs one benchmark in a process of its own and answers its result. Run one after another in one
 * process, a benchmark started with the heap and the compiled code the earlier ones left: at the end
 * of a full run the decider's receipt at 100,000 waiting lines took twice its time alone
 * (docs/benchmarks.md, ninth pass).
 */
async function runInChild(name: BenchmarkName, scale: number, settings: RunSettings): Promise<BenchmarkResult> {
  const directory = mkdtempSync(join(tmpdir(), 'restock-bench-'));
  const output = join(directory, `${name}.json`);
  try {
    const args = [...process.execArgv, ...process.argv.slice(1, 2), '--only', name, '--scale', String(scale), '--services', settings.services, '--output', output];
    if (settings.memoryLimitMiB !== undefined) args.push('--service-memory', String(settings.memoryLimitMiB));
    const child = spawn(process.execPath, args, { env: { ...process.env, [CHILD_ENV]: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`benchmark ${name} failed in its process (exit code ${String(code)})`);
    const report = JSON.parse(readFileSync(output, 'utf8')) as { results: BenchmarkResult[] };
    return report.results[0]!;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('Runs the Restock benchmarks against the local Kafka and PostgreSQL; prints a table and writes bench/results.json')
    .option('--only <names>', `comma-separated benchmarks to run (${BENCHMARKS.join(', ')})`)
    .option('--scale <factor>', 'multiplies every size (lines, events, queue length, duration); 0.1 for a quick run', '1')
    .option('--services <mode>', 'pipeline: run the services as child processes or in this process (child | in-process)', 'child')
    .option('--service-memory <MiB>', 'pipeline: run each service in a memory cgroup of this size, as a container limits it (Linux, root; 512 is what deploy/k8s gives each)')
    .option('--output <path>', 'where to write the results', join(__dirname, 'results.json'));
  const options = program.parse(process.argv).opts<CliOptions>();
  const scale = Number(options.scale);
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${options.scale}`);
  const memoryLimitMiB = options.serviceMemory === undefined ? undefined : Number(options.serviceMemory);
  if (memoryLimitMiB !== undefined && !Number.isSafeInteger(memoryLimitMiB)) throw new Error(`--service-memory must be a whole number of MiB, got ${options.serviceMemory}`);
  const settings: RunSettings = { services: options.services, memoryLimitMiB };
  const names = options.only ? options.only.split(',').map((name) => name.trim()) : [...BENCHMARKS];
  for (const name of names) if (!BENCHMARKS.includes(name as BenchmarkName)) throw new Error(`unknown benchmark ${name}; known: ${BENCHMARKS.join(', ')}`);
  const startedAt = new Date().toISOString();
  const machineBefore = machine();
  if (process.env[CHILD_ENV] !== '1') log(`machine: ${machineBefore.cpus} cpus, ${machineBefore.memoryMb} MB, node ${machineBefore.node}, load ${machineBefore.loadAverage.join(' ')}`);
  const results: BenchmarkResult[] = [];
  // More than one: each in a process of its own, so none starts with what an earlier one left behind.
  const separate = names.length > 1;
  if (separate) log('each benchmark runs in a process of its own');
  for (const name of names as BenchmarkName[]) {
    if (separate) {
      results.push(await runInChild(name, scale, settings));
      continue;
    }
    log(`${name}: running`);
    results.push(await run(name, scale, settings));
    log(`${name}: done`);
  }
  const report = {
    startedAt,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    gitCommit: gitCommit(),
    machineBefore,
    machineAfter: machine(),
    results,
    passed: results.every((result) => result.targets.every((check) => check.pass)),
  };
  writeReport(options.output, report);
  if (process.env[CHILD_ENV] === '1') return;
  process.stdout.write(`\n${formatTable(results)}\n\nload average before ${machineBefore.loadAverage.join(' ')}, after ${report.machineAfter.loadAverage.join(' ')}; written to ${options.output}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
