import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

// What services.mjs starts each service with; it reads this file (an ES module jest cannot load).
const OPTIONS = JSON.parse(readFileSync(join(__dirname, 'service-node-options.json'), 'utf8')) as Record<string, string[]>;
const NAMES = ['catalog', 'inventory', 'orders', 'supplier-receipts', 'fulfillment'];

const services = {
  SERVICES: NAMES.map((name) => ({ name })),
  nodeOptionsOf: (name: string): string[] => OPTIONS[name] ?? [],
};

function nodeOptionsIn(file: string): string | null {
  const found = /NODE_OPTIONS(?:"?, value)?: "([^"]*)"/.exec(readFileSync(join(ROOT, file), 'utf8'));
  return found ? found[1]! : null;
}

describe('service Node options', () => {
  it('are the same for npm start, docker-compose.yml and the Kubernetes manifest of each service', () => {
    for (const { name } of services.SERVICES) {
      const expected = services.nodeOptionsOf(name).join(' ') || null;
      expect({ name, options: nodeOptionsIn(`deploy/k8s/${name}.yaml`) }).toEqual({ name, options: expected });
    }
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const fulfillment = compose.slice(compose.indexOf('\n  fulfillment:'));
    expect(/NODE_OPTIONS: "([^"]*)"/.exec(fulfillment)?.[1]).toBe(services.nodeOptionsOf('fulfillment').join(' '));
  });

  it('name only services that exist, and give the fulfillment saga a heap limit, the one its state cache is sized for', () => {
    for (const name of Object.keys(OPTIONS)) expect(NAMES).toContain(name);
    expect(services.nodeOptionsOf('fulfillment')).toEqual([expect.stringMatching(/^--max-old-space-size=\d+$/)]);
    expect(services.nodeOptionsOf('catalog')).toEqual([]);
  });
});
