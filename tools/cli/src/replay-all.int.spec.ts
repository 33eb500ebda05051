import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadServiceConfig, RunningService, ServiceConfig, ServiceDefinition, ServiceName, SERVICES, startService } from '@restock/platform';
import { createTestDatabase, eventually, TestDatabase, testKafka, TestKafka } from '@restock/testing';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const BIN = join(REPO_ROOT, 'tools', 'cli', 'bin', 'restock.js');
const SKUS_MAX = 3;

/** Every read model the CLI rebuilds, per service and projection. */
const READ_MODELS: Record<ServiceName, Record<string, readonly string[]>> = {
  catalog: { products: ['products'] },
  inventory: {
    stock: ['warehouse_stock', 'stock_facts'],
    supply_pipeline: ['supply_pipeline'],
    sku_ledger: ['sku_ledger'],
    replenishment_planning: ['sku_planning', 'sku_demand'],
    replenishment: ['replenishment'],
  },
  orders: { orders: ['orders', 'order_lines'] },
  'supplier-receipts': { supply: ['purchase_order_lines', 'purchase_order_line_reschedules', 'goods_receipts'] },
  fulfillment: { sku_ledger: ['sku_ledger'] },
};

interface ReplayedTable {
  readonly table: string;
  readonly equal: boolean;
  readonly live: { readonly rows: number; readonly digest: string };
  readonly rebuilt: { readonly rows: number; readonly digest: string };
}

function run(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function send(method: string, url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`${method} ${url} answered ${response.status}: ${await response.text()}`);
}

describe('restock replay projections over the whole stack', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  const services: Partial<Record<ServiceName, RunningService>> = {};

  beforeAll(async () => {
    // The CLI loads the services' adapters lazily; the test does the same (Nx forbids mixing both).
    const definitions: Record<ServiceName, (config: ServiceConfig) => Promise<ServiceDefinition>> = {
      catalog: async (config) => (await import('@restock/catalog-adapters')).catalogService(config),
      inventory: async (config) => (await import('@restock/inventory-adapters')).inventoryService(config),
      orders: async (config) => (await import('@restock/orders-adapters')).ordersService(config),
      'supplier-receipts': async (config) => (await import('@restock/supplier-receipts-adapters')).supplierReceiptsService(config),
      fulfillment: async (config) => (await import('@restock/fulfillment-adapters')).fulfillmentService(config, { tickIntervalMs: 0 }),
    };
    kafka = testKafka('cli-all');
    db = await createTestDatabase('cli_all');
    for (const name of Object.keys(definitions) as ServiceName[]) {
      const config = loadServiceConfig(name, process.env, { databaseUrl: db.url, topicPrefix: kafka.topicPrefix, port: 0, host: '127.0.0.1', logLevel: 'warn' });
      services[name] = await startService(config, await definitions[name](config));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(services).map((service) => service.close()));
    await kafka.close();
    await db.drop();
  });

  const url = (name: ServiceName) => services[name]!.url;

  /** Products, purchase orders (one moved), receipts, a count and orders: every read model gets rows. */
  async function traffic(): Promise<void> {
    const skus = Array.from({ length: SKUS_MAX }, (_, index) => `ALL-${index}-${randomUUID().slice(0, 6)}`);
    for (const sku of skus) {
      await send('PUT', `${url('catalog')}/products/${sku}`, { name: sku, backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' });
      await send('POST', `${url('supplier-receipts')}/purchase-orders`, { purchaseOrderId: `PO-${sku}`, sku, quantity: 10, supplierId: 'SUP-1', expectedAt: '2026-12-05T00:00:00Z' });
    }
    await eventually(async () => ((await fetch(`${url('supplier-receipts')}/purchase-orders/PO-${skus[0]}`)).status === 200 ? true : undefined), 30_000);
    await send('POST', `${url('supplier-receipts')}/purchase-orders/PO-${skus[0]}/reschedule`, { sku: skus[0], expectedAt: '2026-12-08T00:00:00Z', reason: 'late' });
    await send('POST', `${url('supplier-receipts')}/receipts`, { receiptId: 'R-1', sku: skus[1], quantity: 4, warehouseId: 'WH-1', receivedAt: '2026-12-01T09:00:00Z', purchaseOrderId: `PO-${skus[1]}` });
    await send('POST', `${url('inventory')}/inventory/${skus[2]}/cycle-counts`, { countId: 'C-1', warehouseId: 'WH-1', countedQuantity: 3, countedAt: '2026-12-01T09:30:00Z' });
    for (const [index, sku] of skus.entries()) {
      await send('POST', `${url('orders')}/orders`, { orderId: `O-${sku}`, customerId: `C-${index}`, placedAt: '2026-12-01T10:00:00Z', lines: [{ lineId: '1', sku, quantity: 2 + index }] });
    }
  }

  async function tableRows(client: Client, schema: string, table: string): Promise<number> {
    return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0]!.n);
  }

  /** Waits until every read model of every service holds rows. */
  async function settled(): Promise<void> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = (Object.keys(READ_MODELS) as ServiceName[]).flatMap((name) => Object.values(READ_MODELS[name]).flat().map((table) => ({ schema: SERVICES[name].schema, table })));
      await eventually(async () => {
        for (const { schema, table } of tables) if ((await tableRows(client, schema, table)) === 0) return undefined;
        return true;
      }, 60_000);
    } finally {
      await client.end();
    }
  }

  it('rebuilds every read model of all five services with the live checksums and exits 0', async () => {
    await traffic();
    await settled();
    const replayed = await run(['--json', 'replay', 'projections'], { DATABASE_URL: db.url, KAFKA_BROKERS: kafka.brokers.join(','), RESTOCK_TOPIC_PREFIX: kafka.topicPrefix });
    expect([replayed.code, replayed.stderr]).toEqual([0, '']);
    const { results } = JSON.parse(replayed.stdout) as { results: { service: string; projection: string; equal: boolean; tables: ReplayedTable[] }[] };
    const expected = (Object.keys(READ_MODELS) as ServiceName[]).flatMap((name) =>
      Object.entries(READ_MODELS[name]).map(([projection, tables]) => ({ service: name, projection, equal: true, tables: tables.map((table) => expect.objectContaining({ table, equal: true })) })),
    );
    expect(results.map(({ service, projection, equal, tables }) => ({ service, projection, equal, tables }))).toEqual(expect.arrayContaining(expected));
    expect(results).toHaveLength(expected.length);
    for (const table of results.flatMap((result) => result.tables)) {
      expect({ table: table.table, filled: table.live.rows > 0, rebuilt: table.rebuilt }).toEqual({ table: table.table, filled: true, rebuilt: table.live });
    }
  }, 180_000);
});
