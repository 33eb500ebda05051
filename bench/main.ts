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
  output: string;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function scaled(size: number, scale: number): number {
  return Math.max(1, Math.round(size * scale));
}

async function run(name: BenchmarkName, scale: number, services: ServicesMode): Promise<BenchmarkResult> {
  switch (name) {
    case 'pipeline':
      return pipelineBenchmark({ lines: scaled(PIPELINE_LINES_DEFAULT, scale), services, log });
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

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('Runs the Restock benchmarks against the local Kafka and PostgreSQL; prints a table and writes bench/results.json')
    .option('--only <names>', `comma-separated benchmarks to run (${BENCHMARKS.join(', ')})`)
    .option('--scale <factor>', 'multiplies every size (lines, events, queue length, duration); 0.1 for a quick run', '1')
    .option('--services <mode>', 'pipeline: run the services as child processes or in this process (child | in-process)', 'child')
    .option('--output <path>', 'where to write the results', join(__dirname, 'results.json'));
  const options = program.parse(process.argv).opts<CliOptions>();
  const scale = Number(options.scale);
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${options.scale}`);
  const names = options.only ? options.only.split(',').map((name) => name.trim()) : [...BENCHMARKS];
  for (const name of names) if (!BENCHMARKS.includes(name as BenchmarkName)) throw new Error(`unknown benchmark ${name}; known: ${BENCHMARKS.join(', ')}`);
  const startedAt = new Date().toISOString();
  const machineBefore = machine();
  log(`machine: ${machineBefore.cpus} cpus, ${machineBefore.memoryMb} MB, node ${machineBefore.node}, load ${machineBefore.loadAverage.join(' ')}`);
  const results: BenchmarkResult[] = [];
  for (const name of names as BenchmarkName[]) {
    log(`${name}: running`);
    results.push(await run(name, scale, options.services));
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
  process.stdout.write(`\n${formatTable(results)}\n\nload average before ${machineBefore.loadAverage.join(' ')}, after ${report.machineAfter.loadAverage.join(' ')}; written to ${options.output}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
