// `npm test`: typecheck, lint and jest against real PostgreSQL and Kafka, then a short chaos run
// (its own broker and PostgreSQL cluster, which it restarts, so it comes after jest), then one
// summary line `N passed, N failed`. Arguments after `--` go to jest (`npm test -- libs/contracts`).
// RESTOCK_SKIP_CHAOS=1 leaves the chaos run out (it takes about 4 minutes).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  ensureKafka,
  ensurePostgres,
  kafkaStartedHere,
  log,
  redact,
  seconds,
  stopEmbeddedPostgres,
  stopKafka,
} from './infra.mjs';

const JEST_MAX_WORKERS = 2;
// The chaos phase counts as one test; about 1,000 orders with 5 kills and 1 broker restart fit
// in a few minutes on a 2-core machine. Like the rest of the run, it stops the broker and the
// PostgreSQL cluster it started, so nothing keeps running on the machine afterwards.
const CHAOS_ARGS = ['--orders', '1000', '--skus', '50', '--receipts', '200', '--kills', '5', '--broker-restarts', '1', '--pg-restarts', '0', '--rate', '100', '--stop-infra'];
const bin = (name) => join(REPO_ROOT, 'node_modules', '.bin', name);

function run(command, args, env) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
    child.on('error', (error) => {
      log(`${command}: ${error.message}`);
      resolvePromise(1);
    });
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

async function phase(name, timings, body) {
  log(`${name}: running`);
  const startedAt = Date.now();
  const result = await body();
  timings.push(`${name} ${seconds(startedAt)}`);
  log(`${name}: ${result.ok ? 'ok' : 'FAILED'} in ${seconds(startedAt)}`);
  return result;
}

// A suite that fails to load (a syntax error, a throwing import) has no failed test of its own,
// so it is counted as one failure; otherwise a broken file could pass as "0 failed".
function jestCounts(outputFile, exitCode) {
  if (!existsSync(outputFile)) {
    return { passed: 0, failed: exitCode === 0 ? 0 : 1, total: 0 };
  }
  const results = JSON.parse(readFileSync(outputFile, 'utf8'));
  const brokenSuites = results.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.every((test) => test.status !== 'failed'),
  ).length;
  return {
    passed: results.numPassedTests,
    failed: results.numFailedTests + brokenSuites,
    total: results.numTotalTests + brokenSuites,
  };
}

async function main() {
  const startedAt = Date.now();
  const jestArgs = process.argv.slice(2);
  const timings = [];
  const databaseUrl = await ensurePostgres();
  const brokers = await ensureKafka();
  timings.push(`infrastructure ${seconds(startedAt)}`);
  log(`infrastructure: DATABASE_URL=${redact(databaseUrl)} KAFKA_BROKERS=${brokers}`);
  const env = { ...process.env, DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers, KAFKAJS_NO_PARTITIONER_WARNING: '1' };

  const typecheck = await phase('typecheck', timings, async () => ({
    ok: (await run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], env)) === 0,
  }));
  const lint = await phase('lint', timings, async () => ({
    ok: (await run(bin('eslint'), ['.', '--max-warnings', '0'], env)) === 0,
  }));
  const outputDir = mkdtempSync(join(tmpdir(), 'restock-jest-'));
  const outputFile = join(outputDir, 'results.json');
  const jest = await phase('jest', timings, async () => {
    const code = await run(
      bin('jest'),
      ['--ci', '--json', `--outputFile=${outputFile}`, `--maxWorkers=${JEST_MAX_WORKERS}`, ...jestArgs],
      env,
    );
    const counts = jestCounts(outputFile, code);
    return { ok: code === 0, ...counts };
  });
  rmSync(outputDir, { recursive: true, force: true });

  // Only the whole suite runs chaos: a run of some jest paths (`npm test -- libs/x`) is a quick check.
  const chaosWanted = process.env.RESTOCK_SKIP_CHAOS !== '1' && jestArgs.length === 0;
  const chaos = chaosWanted
    ? await phase('chaos', timings, async () => {
        // The run starts and restarts its own broker and PostgreSQL cluster; the shared ones stay untouched.
        const chaosEnv = { ...env };
        if (!process.env.KAFKA_BROKERS) delete chaosEnv.KAFKA_BROKERS;
        if (!process.env.DATABASE_URL) delete chaosEnv.DATABASE_URL;
        return { ok: (await run(process.execPath, [join(REPO_ROOT, 'tools', 'chaos', 'chaos.mjs'), ...CHAOS_ARGS], chaosEnv)) === 0 };
      })
    : null;
  if (!chaosWanted) log('chaos: skipped (RESTOCK_SKIP_CHAOS=1 or a jest path was given)');

  if (kafkaStartedHere() && process.env.CI === 'true') await stopKafka();
  if (kafkaStartedHere()) log('kafka: the broker started for this run stays up for the next one (npm run kafka stop)');
  await stopEmbeddedPostgres();

  // Jest also fails without a failing test (no tests matched, an open-handle or coverage error);
  // that counts once, except for "no tests", which is reported as such below.
  const jestOtherFailure = jest.ok || jest.failed > 0 || jest.total === 0 ? 0 : 1;
  const chaosPassed = chaos?.ok ? 1 : 0;
  const chaosFailed = chaos && !chaos.ok ? 1 : 0;
  const failed = jest.failed + jestOtherFailure + (typecheck.ok ? 0 : 1) + (lint.ok ? 0 : 1) + chaosFailed;
  log(`timings: ${timings.join(', ')}; total ${seconds(startedAt)}`);
  if (jest.total === 0) log('no tests ran; that counts as a failure');
  console.log(`${jest.passed + chaosPassed} passed, ${failed} failed`);
  process.exit(failed === 0 && jest.passed > 0 ? 0 : 1);
}

await main();
