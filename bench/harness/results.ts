import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** A measured figure and, where there is one, the baseline measured in the same run. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: { readonly name: string; readonly value: number };
}

export interface Target {
  readonly name: string;
  readonly actual: number;
  readonly comparison: '>=' | '<=' | '<';
  readonly threshold: number;
  readonly unit: string;
  readonly pass: boolean;
}

export interface BenchmarkResult {
  readonly benchmark: string;
  readonly figures: readonly Figure[];
  readonly targets: readonly Target[];
  /** How it was measured, in words: what ran where, and anything a reader must know. */
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryMb: number;
  readonly freeMemoryMb: number;
  readonly node: string;
  readonly loadAverage: readonly number[];
}

export function machine(): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 1_048_576),
    freeMemoryMb: Math.round(freemem() / 1_048_576),
    node: process.version,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export function gitCommit(): string {
  try {
    const commit = execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain', { encoding: 'utf8' }).trim().length > 0;
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

export function target(name: string, actual: number, comparison: Target['comparison'], threshold: number, unit: string): Target {
  const pass = comparison === '>=' ? actual >= threshold : comparison === '<=' ? actual <= threshold : actual < threshold;
  return { name, actual: round(actual), comparison, threshold, unit, pass };
}

export function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
}

export function ratio(value: number, baseline: number): number {
  return baseline > 0 ? value / baseline : Number.NaN;
}

/** Nearest-rank percentile of a list of samples; NaN for no samples. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

export interface Report {
  readonly startedAt: string;
  readonly command: string;
  readonly gitCommit: string;
  readonly machineBefore: Machine;
  readonly machineAfter: Machine;
  readonly results: readonly BenchmarkResult[];
  readonly passed: boolean;
}

export function writeReport(path: string, report: Report): void {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** The table printed at the end of a run: one row per figure, then one per target. */
export function formatTable(results: readonly BenchmarkResult[]): string {
  const rows: string[][] = [['benchmark', 'figure', 'value', 'baseline', 'ratio']];
  for (const result of results) {
    for (const figure of result.figures) {
      const baseline = figure.baseline ? `${round(figure.baseline.value)} (${figure.baseline.name})` : '';
      const ratioText = figure.baseline ? round(ratio(figure.value, figure.baseline.value)).toString() : '';
      rows.push([result.benchmark, figure.name, `${round(figure.value)} ${figure.unit}`, baseline, ratioText]);
    }
  }
  const targetRows: string[][] = [['benchmark', 'target', 'actual', 'required', 'result']];
  for (const result of results) {
    for (const check of result.targets) {
      targetRows.push([result.benchmark, check.name, `${check.actual} ${check.unit}`, `${check.comparison} ${check.threshold} ${check.unit}`, check.pass ? 'PASS' : 'MISS']);
    }
  }
  return `${aligned(rows)}\n\n${aligned(targetRows)}`;
}

function aligned(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
