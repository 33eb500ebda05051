import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

// What services.mjs starts each service with; it reads this file (an ES module jest cannot load).
const OPTIONS = JSON.parse(readFileSync(join(__dirname, 'service-node-options.json'), 'utf8')) as Record<string, string[]>;
const NAMES = ['catalog', 'inventory', 'orders', 'supplier-receipts', 'fulfillment'];

const services = {
  SERVICES: NAMES.map((name) => ({ name })),
  nodeOptionsOf: (name: string): string[] => OPTIONS[name] ?? [],
};

/** The shell script of deploy/Dockerfile's ENTRYPOINT (its exec form: /bin/sh -c <script> restock). */
function entrypointScript(): string {
  const line = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8')
    .split('\n')
    .find((text) => text.startsWith('ENTRYPOINT '))!;
  const form = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  expect(form.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  return form[2]!;
}

function nodeOptionsIn(file: string): string | null {
  const found = /RESTOCK_NODE_ARGS(?:"?, value)?: "([^"]*)"/.exec(readFileSync(join(ROOT, file), 'utf8'));
  return found ? found[1]! : null;
}

describe('service Node options', () => {
  it('are the same for npm start, docker-compose.yml and the Kubernetes manifest of each service', () => {
    for (const { name } of services.SERVICES) {
      const expected = services.nodeOptionsOf(name).join(' ') || null;
      expect({ name, options: nodeOptionsIn(`deploy/k8s/${name}.yaml`) }).toEqual({ name, options: expected });
    }
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const { name } of services.SERVICES) {
      const start = compose.indexOf(`\n  ${name}:\n`);
      expect(start).toBeGreaterThan(-1);
      const environment = /\n    environment: (.*)\n/.exec(compose.slice(start))![1]!;
      const options = /RESTOCK_NODE_ARGS: "([^"]*)"/.exec(environment)?.[1] ?? null;
      expect({ name, options }).toEqual({ name, options: services.nodeOptionsOf(name).join(' ') || null });
    }
  });

  it('name only services that exist, and give the fulfillment saga a heap limit, the one its state cache is sized for', () => {
    for (const name of Object.keys(OPTIONS)) expect(NAMES).toContain(name);
    expect(services.nodeOptionsOf('fulfillment')).toContainEqual(expect.stringMatching(/^--max-old-space-size=\d+$/));
    for (const name of NAMES.filter((other) => other !== 'fulfillment')) expect(services.nodeOptionsOf(name).filter((option) => option.startsWith('--max-old-space-size'))).toEqual([]);
  });

  it("set every service's young generation, which V8 would otherwise size from a container's memory limit", () => {
    // Under 512 MiB V8 gives each semi-space 1 MB, against 16 MB on a machine with gigabytes: the
    // saga took a third more CPU so (docs/decisions.md, "Heaps under a container's memory limit").
    const semiSpace = (name: string) => Number(/^--max-semi-space-size=(\d+)$/.exec(services.nodeOptionsOf(name).find((option) => option.startsWith('--max-semi-space-size')) ?? '')?.[1]);
    for (const name of NAMES) expect({ name, semiSpaceMb: semiSpace(name) >= 16 }).toEqual({ name, semiSpaceMb: true });
    // Twice that where a batch's objects live across its database round trips ("Young generation"); not for the saga, whose hot-SKU peak went over 300 MB so.
    for (const name of ['inventory', 'orders', 'supplier-receipts']) expect({ name, semiSpace: semiSpace(name) }).toEqual({ name, semiSpace: 32 });
    expect(semiSpace('fulfillment')).toBe(16);
  });

  it('give the services with large states a fixed heap growing factor', () => {
    // Under a container's limit V8 would choose about 1.1 for orders (a full collection every few batches), on a large machine up to 4 (600 MB resident).
    for (const name of ['orders', 'fulfillment']) expect({ name, options: services.nodeOptionsOf(name) }).toEqual({ name, options: expect.arrayContaining(['--heap-growing-percent=100']) });
  });

  it("reach node through the image's entrypoint, which passes RESTOCK_NODE_ARGS before the service's entry", () => {
    // A stand-in `node` first on PATH prints the arguments the entrypoint execs it with.
    const bin = mkdtempSync(join(tmpdir(), 'restock-entrypoint-'));
    try {
      writeFileSync(join(bin, 'node'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
      chmodSync(join(bin, 'node'), 0o755);
      const run = (env: Record<string, string>, service: string): string[] =>
        execFileSync('/bin/sh', ['-c', entrypointScript(), 'restock', service], {
          cwd: ROOT,
          env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ...env },
          encoding: 'utf8',
        }).trim().split('\n');
      const fulfillment = services.nodeOptionsOf('fulfillment');
      expect(run({ RESTOCK_NODE_ARGS: fulfillment.join(' ') }, 'fulfillment')).toEqual([...fulfillment, '-r', '@swc-node/register', 'apps/fulfillment/src/main.ts']);
      expect(run({}, 'orders')).toEqual(['-r', '@swc-node/register', 'apps/orders/src/main.ts']);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
