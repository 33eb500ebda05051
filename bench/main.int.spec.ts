import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { memoryLimitsUnavailable } from './pipeline/running-stack';

const run = promisify(execFile);

// `npm run bench` itself, at a tiny scale: with more than one benchmark each runs in a process of
// its own, and the parent gathers their results into one report.
describe('npm run bench', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'restock-bench-main-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('runs each of several benchmarks in a process of its own and reports them together', async () => {
    const output = join(directory, 'results.json');
    const { stdout, stderr } = await run(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts'), '--only', 'replay,hot-sku', '--scale', '0.02', '--output', output]);
    const report = JSON.parse(readFileSync(output, 'utf8')) as { results: { benchmark: string; figures: { value: number }[] }[] };
    expect(report.results.map((result) => result.benchmark)).toEqual(['replay', 'hot-sku']);
    for (const result of report.results) expect(result.figures.every((figure) => figure.value > 0)).toBe(true);
    expect(stderr).toContain('each benchmark runs in a process of its own');
    // One table, printed by the parent only.
    expect(stdout.match(/^benchmark +target/gm)).toHaveLength(1);
  }, 120_000);

  // The services as child processes, which jest cannot start (tools/stack is ES modules), so
  // through `npm run bench`; only where memory cgroups can be made (Linux, root), else skipped.
  const unavailable = memoryLimitsUnavailable();
  if (unavailable !== null) process.stderr.write(`pipeline under memory limits skipped: ${unavailable}\n`);
  (unavailable === null ? it : it.skip)('runs the pipeline with each service under a memory limit and reports their peaks', async () => {
    const output = join(directory, 'results.json');
    await run(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts'), '--only', 'pipeline', '--scale', '0.002', '--service-memory', '512', '--output', output], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = JSON.parse(readFileSync(output, 'utf8')) as { results: { figures: { name: string; value: number }[]; notes: string[] }[] };
    const peaks = report.results[0]!.figures.filter((figure) => figure.name.startsWith('peak memory under a 512 MiB limit: '));
    expect(peaks.map((figure) => figure.name.split(': ')[1])).toEqual(['catalog', 'inventory', 'orders', 'supplier-receipts', 'fulfillment']);
    for (const peak of peaks) expect(peak.value).toBeGreaterThan(0);
    for (const peak of peaks) expect(peak.value).toBeLessThan(512);
    expect(report.results[0]!.notes.some((note) => note.includes('memory cgroup of 512 MiB'))).toBe(true);
  }, 300_000);

  it('fails, naming the benchmark, when one fails in its process', async () => {
    // No PostgreSQL answers on port 1: the child's replay fails before it measures anything.
    const env = { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' };
    await expect(
      run(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts'), '--only', 'replay,hot-sku', '--scale', '0.02', '--output', join(directory, 'r.json')], { env }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('benchmark replay failed in its process') });
  }, 60_000);
});
