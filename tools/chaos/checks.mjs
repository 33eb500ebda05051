// After the system drained: the invariants of DESIGN.md, held against the independent model of
// what was sent (never against what the services say about themselves).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../stack/infra.mjs';
import { loadTs, readTopic } from './kafka-io.mjs';
import { INPUT_TOPICS } from './workload.mjs';

const require = createRequire(import.meta.url);
const HTTP_CONCURRENCY = 12;
const HTTP_RETRIES_MAX = 5;
const INTERNAL_TOPICS = ['restock.catalog.events.v1', 'restock.orders.events.v1', 'restock.supply.events.v1', 'restock.inventory.events.v1', 'restock.fulfillment.events.v1', 'restock.fulfillment.ledger.v1'];
const CLI_ENTRY = join(REPO_ROOT, 'tools', 'cli', 'bin', 'restock.js');
const EXAMPLES_MAX = 5;

class Findings {
  constructor() {
    this.counts = {};
    this.examples = {};
  }

  add(kind, example, count = 1) {
    this.counts[kind] = (this.counts[kind] ?? 0) + count;
    const list = (this.examples[kind] ??= []);
    if (list.length < EXAMPLES_MAX) list.push(example);
  }

  count(kind) {
    return this.counts[kind] ?? 0;
  }
}

async function getJson(url) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      return await response.json();
    } catch (error) {
      if (attempt >= HTTP_RETRIES_MAX) throw error;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 500 * (attempt + 1)));
    }
  }
}

async function mapConcurrently(items, work) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: HTTP_CONCURRENCY }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

function parse(message) {
  try {
    return JSON.parse(message.value.toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * The customer's reading of the update stream: per line, the ETA last told, what is allocated and
 * what waits. An ETA change must start from the ETA the customer was last told.
 */
function etasAsTold(updates, findings) {
  const lines = new Map();
  const line = (orderId, lineId) => {
    const key = `${orderId}/${lineId}`;
    if (!lines.has(key)) lines.set(key, { eta: null, allocated: 0, waiting: 0 });
    return lines.get(key);
  };
  // Once nothing of a line waits, it has no ETA any more.
  const settle = (entry) => {
    if (entry.waiting <= 0) entry.eta = null;
  };
  for (const { type, data } of updates) {
    if (type === 'OrderAcknowledged') {
      for (const ack of data.lines) Object.assign(line(data.orderId, ack.lineId), { eta: ack.eta, allocated: ack.allocatedQuantity, waiting: ack.backorderedQuantity });
      continue;
    }
    if (!data.lineId) continue;
    const entry = line(data.orderId, data.lineId);
    switch (type) {
      case 'OrderLineEtaChanged':
        if (data.previousEta !== entry.eta) findings.add('eta', `${data.orderId}/${data.lineId}: ETA change from ${data.previousEta}, but the customer was told ${entry.eta}`);
        entry.eta = data.eta;
        break;
      case 'OrderLineAllocationRevoked':
        Object.assign(entry, { eta: data.eta, allocated: data.allocatedQuantity, waiting: data.remainingQuantity });
        break;
      case 'OrderLineAllocated':
        Object.assign(entry, { allocated: data.allocatedQuantity, waiting: data.remainingQuantity });
        settle(entry);
        break;
      case 'OrderLineCancelled':
        entry.allocated -= Math.min(entry.allocated, data.releasedQuantity);
        entry.waiting -= data.quantity - data.releasedQuantity;
        settle(entry);
        break;
      case 'OrderLineShipped': {
        const fromAllocation = Math.min(entry.allocated, data.quantity);
        entry.allocated -= fromAllocation;
        entry.waiting -= Math.min(entry.waiting, data.quantity - fromAllocation);
        settle(entry);
        break;
      }
      default:
        break;
    }
  }
  return lines;
}

function checkUpdates(updatesByOrder, updatesById, findings) {
  for (const [id, copies] of updatesById) {
    if (new Set(copies).size > 1) findings.add('dup_alloc', `customer update ${id} sent with different content`);
  }
  for (const [orderId, updates] of updatesByOrder) {
    if (updates[0]?.type !== 'OrderAcknowledged') findings.add('order_of_updates', `${orderId}: first update is ${updates[0]?.type}`);
    const acks = new Set(updates.filter((update) => update.type === 'OrderAcknowledged').map((update) => update.id));
    if (acks.size > 1) findings.add('dup_effect', `${orderId}: acknowledged ${acks.size} times`);
  }
}

function checkOrders(workload, views, updatesByOrder, findings) {
  const ordersView = new Map(views.filter(Boolean).map((view) => [view.orderId, view]));
  const allocatedBySku = new Map();
  for (const order of workload.orders.values()) {
    const view = ordersView.get(order.orderId);
    if (!view) {
      findings.add('lost', `order ${order.orderId} is unknown to GET /orders`, order.lines.length);
      continue;
    }
    const told = etasAsTold(updatesByOrder.get(order.orderId) ?? [], findings);
    for (const sent of order.lines) {
      const line = view.lines.find((candidate) => candidate.lineId === sent.lineId);
      if (!line || line.sku !== sent.sku || line.quantity !== sent.quantity) {
        findings.add('lost', `${order.orderId}/${sent.lineId}: not as sent (${JSON.stringify(line)})`);
        continue;
      }
      const accepted = sent.quantity - line.rejectedQuantity;
      const accounted = line.allocatedQuantity + line.shippedQuantity + line.cancelledQuantity + line.backorderedQuantity;
      const negative = [line.allocatedQuantity, line.shippedQuantity, line.cancelledQuantity, line.backorderedQuantity, line.rejectedQuantity].some((value) => value < 0);
      if (accounted !== accepted || negative) findings.add('lost', `${order.orderId}/${sent.lineId}: accepted ${accepted}, accounted ${accounted} (${JSON.stringify(line)})`);
      if (line.allocatedQuantity + line.shippedQuantity > sent.quantity) findings.add('dup_alloc', `${order.orderId}/${sent.lineId}: allocated ${line.allocatedQuantity} + shipped ${line.shippedQuantity} > ${sent.quantity}`);
      const lastTold = told.get(`${order.orderId}/${sent.lineId}`)?.eta ?? null;
      if (lastTold !== line.eta) findings.add('eta', `${order.orderId}/${sent.lineId}: last ETA sent ${lastTold}, current ${line.eta}`);
      allocatedBySku.set(sent.sku, (allocatedBySku.get(sent.sku) ?? 0) + line.allocatedQuantity);
    }
    for (const update of updatesByOrder.get(order.orderId) ?? []) {
      if (update.type !== 'OrderLineAllocated') continue;
      const sent = order.lines.find((candidate) => candidate.lineId === update.data.lineId);
      if (sent && update.data.allocatedQuantity > sent.quantity) findings.add('dup_alloc', `${order.orderId}/${sent.lineId}: allocated ${update.data.allocatedQuantity} of ${sent.quantity}`);
    }
  }
  return allocatedBySku;
}

function checkStock(workload, inventories, ledgers, allocatedBySku, findings) {
  workload.products.forEach((product, index) => {
    const { sku } = product;
    const view = inventories[index] ?? { onHand: 0, allocated: 0 };
    const ledger = ledgers.get(sku) ?? { on_hand: 0, allocated: 0 };
    const expected = workload.received.get(sku) - workload.shipped.get(sku) + workload.corrections.get(sku);
    for (const [where, onHand, allocated] of [['GET /inventory', view.onHand, view.allocated], ['sku_ledger', ledger.on_hand, ledger.allocated]]) {
      if (allocated < 0 || allocated > Math.max(0, onHand)) findings.add('oversell', `${sku} (${where}): allocated ${allocated}, on hand ${onHand}`);
      if (onHand !== expected) findings.add('conservation', `${sku} (${where}): on hand ${onHand}, receipts − shipments + corrections = ${expected}`);
    }
    if (view.allocated !== ledger.allocated) findings.add('oversell', `${sku}: inventory says allocated ${view.allocated}, saga ${ledger.allocated}`);
    const lines = allocatedBySku.get(sku) ?? 0;
    if (lines !== ledger.allocated) findings.add('oversell', `${sku}: saga allocated ${ledger.allocated}, lines hold ${lines}`);
  });
}

/** FIFO over the saga's event store: no allocation to a line while an earlier-accepted line waits. */
function checkFifo(eventsBySku, findings) {
  for (const [sku, events] of eventsBySku) {
    const lines = new Map();
    let sequence = 0;
    const earlierWaiting = (line) => {
      for (const other of lines.values()) {
        if (other.sequence < line.sequence && other.waiting > 0 && !other.held) return other;
      }
      return null;
    };
    for (const { type, data, version } of events) {
      const key = `${data.orderId}/${data.lineId}`;
      if (type === 'LineAccepted') {
        const line = { key, sequence: (sequence += 1), waiting: data.backorderedQuantity, expedited: false, held: false };
        const blocker = data.allocatedQuantity > 0 ? earlierWaiting(line) : null;
        if (blocker) findings.add('fifo', `${sku} v${version}: ${key} allocated at acceptance while ${blocker.key} waits`);
        lines.set(key, line);
        continue;
      }
      const line = lines.get(key);
      if (!line) continue;
      switch (type) {
        case 'StockAllocated': {
          const blocker = line.expedited ? null : earlierWaiting(line);
          if (blocker) findings.add('fifo', `${sku} v${version}: ${key} got stock while ${blocker.key} waits`);
          line.waiting = data.remainingQuantity;
          break;
        }
        case 'AllocationRevoked':
        case 'LineShipped':
          line.waiting = data.remainingQuantity;
          break;
        case 'LineCancelled':
          line.waiting = Math.max(0, line.waiting - (data.quantity - data.releasedQuantity));
          break;
        case 'LineExpedited':
          line.expedited = true;
          break;
        case 'LineHeld':
          line.held = true;
          break;
        default:
          break;
      }
      if (line.waiting === 0 && type !== 'LineExpedited' && type !== 'LineHeld') lines.delete(key);
    }
  }
}

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]));
  return value;
}

/** The saga's snapshots and ledger rows against a fold of its event store with the domain's evolve. */
function checkSagaReplay(eventsBySku, snapshots, ledgers, findings) {
  const domain = loadTs('libs/fulfillment/domain/src/index.ts');
  for (const [sku, events] of eventsBySku) {
    const saved = snapshots.get(sku);
    let state = domain.initialState(sku);
    for (const event of events) {
      domain.evolve(state, { type: event.type, data: event.data });
      if (saved && event.version === saved.version) {
        const rebuilt = JSON.stringify(canonical(domain.snapshot(state)));
        if (rebuilt !== JSON.stringify(canonical(saved.snapshot))) findings.add('replay', `${sku}: snapshot at v${saved.version} differs from the fold of its events`);
        state = domain.restore(saved.snapshot);
      }
    }
    const ledger = domain.ledger(state);
    const row = ledgers.get(sku);
    const version = events.length === 0 ? 0 : events[events.length - 1].version;
    if (!row || row.version !== version || row.on_hand !== ledger.onHand || row.allocated !== ledger.allocated || row.queue_depth !== ledger.queueDepth || row.backordered_quantity !== ledger.backorderedQuantity) {
      findings.add('replay', `${sku}: sku_ledger ${JSON.stringify(row)} differs from the fold (v${version} ${JSON.stringify({ onHand: ledger.onHand, allocated: ledger.allocated, queueDepth: ledger.queueDepth })})`);
    }
  }
}

/** GET /orders against a fold of each order's stream with the orders domain's evolve. */
function checkOrdersReplay(views, orderEvents, findings) {
  const domain = loadTs('libs/orders/domain/src/index.ts');
  for (const view of views) {
    if (!view) continue;
    const events = orderEvents.get(view.orderId) ?? [];
    const state = events.reduce((current, event) => domain.evolve(current, { type: event.type, data: event.data }), domain.initialState());
    if (state.status === 'UNKNOWN') {
      findings.add('replay', `${view.orderId}: no events`);
      continue;
    }
    const fields = ['allocatedQuantity', 'backorderedQuantity', 'rejectedQuantity', 'shippedQuantity', 'cancelledQuantity', 'eta', 'etaConfidence'];
    for (const line of state.lines) {
      const shown = view.lines.find((candidate) => candidate.lineId === line.lineId);
      const differs = !shown || fields.some((field) => shown[field] !== line[field]);
      if (differs) findings.add('replay', `${view.orderId}/${line.lineId}: GET /orders ${JSON.stringify(shown)} differs from the fold`);
    }
    const issued = events.flatMap((event) => domain.updatesOf({ type: event.type, data: event.data })).length;
    if (view.history.length !== issued) findings.add('replay', `${view.orderId}: history ${view.history.length}, events ${issued}`);
  }
}

function runReplayCli(env, findings) {
  if (!existsSync(CLI_ENTRY)) return 'absent';
  const result = spawnSync(process.execPath, [CLI_ENTRY, 'replay', 'projections', '--no-progress'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) findings.add('replay', `restock replay projections exited ${result.status}: ${(result.stderr || result.stdout).trim().slice(0, 500)}`);
  return result.status === 0 ? 'equal' : 'different';
}

function checkDeadLetters(workload, dlqMessages, findings) {
  const found = new Set();
  for (const [topic, messages] of dlqMessages) {
    for (const message of messages) {
      const text = message.value?.toString('utf8') ?? '';
      const poison = workload.poison.find((entry) => entry.topic === topic && text.includes(`"${entry.marker}"`));
      if (poison) found.add(poison.marker);
      else findings.add('unexpected_dlq', `${topic}: ${message.headers?.['restock-dlq-code']?.toString() ?? '?'} ${message.headers?.['restock-dlq-reason']?.toString().slice(0, 200) ?? ''}`);
    }
  }
  for (const entry of workload.poison) if (!found.has(entry.marker)) findings.add('poison_missing', `${entry.topic}: ${entry.kind} ${entry.marker} not in the dead-letter topic`);
  return found.size;
}

async function checkDuplicateEffects(pool, workload, findings) {
  const ids = workload.duplicates.map((entry) => entry.id);
  if (ids.length === 0) return;
  for (const schema of ['orders', 'inventory', 'supplier_receipts', 'fulfillment']) {
    const result = await pool.query(
      `SELECT metadata->>'causationId' AS input, type, count(*)::int AS copies FROM ${schema}.events
       WHERE metadata->>'causationId' = ANY($1::text[]) GROUP BY 1, 2, data::text HAVING count(*) > 1`,
      [ids],
    );
    for (const row of result.rows) findings.add('dup_effect', `${schema}: input ${row.input} caused ${row.type} ${row.copies} times`);
  }
}

async function loadDatabase(pool) {
  const events = await pool.query(
    `SELECT stream_id, version, type, data FROM fulfillment.events WHERE stream_id LIKE 'sku-%' ORDER BY stream_id, version`,
  );
  const eventsBySku = new Map();
  for (const row of events.rows) {
    const sku = row.stream_id.slice('sku-'.length);
    if (!eventsBySku.has(sku)) eventsBySku.set(sku, []);
    eventsBySku.get(sku).push(row);
  }
  const ledgers = new Map((await pool.query('SELECT sku, version, on_hand, allocated, queue_depth, backordered_quantity FROM fulfillment.sku_ledger')).rows.map((row) => [row.sku, row]));
  // A snapshot's lines are stored in parts beside its head (sku_snapshot_lines); this puts the document together.
  const snapshots = new Map(
    (
      await pool.query(
        `SELECT s.sku, s.version, (s.snapshot::jsonb || jsonb_build_object('lines', COALESCE((
           SELECT jsonb_agg(line ORDER BY p.part, l.position)
           FROM fulfillment.sku_snapshot_lines p, jsonb_array_elements(p.lines::jsonb) WITH ORDINALITY AS l(line, position)
           WHERE p.sku = s.sku), '[]'::jsonb)))::json AS snapshot
         FROM fulfillment.sku_snapshots s`,
      )
    ).rows.map((row) => [row.sku, row]),
  );
  const orderRows = await pool.query(`SELECT stream_id, type, data FROM orders.events WHERE stream_id LIKE 'order-%' ORDER BY stream_id, version`);
  const orderEvents = new Map();
  for (const row of orderRows.rows) {
    const orderId = row.stream_id.slice('order-'.length);
    if (!orderEvents.has(orderId)) orderEvents.set(orderId, []);
    orderEvents.get(orderId).push(row);
  }
  return { eventsBySku, ledgers, snapshots, orderEvents };
}

/** Runs every check; answers the figures of the summary line and the findings. */
export async function checkInvariants({ workload, kafka, prefix, databaseUrl, urls, cliEnv }) {
  const findings = new Findings();
  const updates = await readTopic(kafka, prefix, 'restock.customer-updates.v1');
  const updatesByOrder = new Map();
  const updatesById = new Map();
  for (const message of updates) {
    const update = parse(message);
    if (!update) continue;
    if (!updatesByOrder.has(update.data.orderId)) updatesByOrder.set(update.data.orderId, []);
    const copies = updatesById.get(update.id) ?? [];
    copies.push(JSON.stringify(canonical(update)));
    updatesById.set(update.id, copies);
    // A repeat of the same update (same id, same content) is a duplicate delivery, not a new update.
    if (copies.length === 1) updatesByOrder.get(update.data.orderId).push(update);
  }
  checkUpdates(updatesByOrder, updatesById, findings);

  const dlqMessages = new Map();
  for (const topic of Object.values(INPUT_TOPICS)) dlqMessages.set(topic, await readTopic(kafka, prefix, `${topic}.dlq`));
  const poisonFound = checkDeadLetters(workload, dlqMessages, findings);
  for (const topic of INTERNAL_TOPICS) {
    for (const message of await readTopic(kafka, prefix, `${topic}.dlq`)) {
      findings.add('internal_dlq', `${topic}: ${message.headers?.['restock-dlq-reason']?.toString().slice(0, 300) ?? '?'}`);
    }
  }

  const views = await mapConcurrently([...workload.orders.keys()], (orderId) => getJson(`${urls.orders}/orders/${encodeURIComponent(orderId)}`));
  const inventories = await mapConcurrently(workload.products, (product) => getJson(`${urls.inventory}/inventory/${encodeURIComponent(product.sku)}`));
  const allocatedBySku = checkOrders(workload, views, updatesByOrder, findings);

  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  try {
    const { eventsBySku, ledgers, snapshots, orderEvents } = await loadDatabase(pool);
    checkStock(workload, inventories, ledgers, allocatedBySku, findings);
    checkFifo(eventsBySku, findings);
    checkSagaReplay(eventsBySku, snapshots, ledgers, findings);
    checkOrdersReplay(views, orderEvents, findings);
    await checkDuplicateEffects(pool, workload, findings);
  } finally {
    await pool.end();
  }
  const cli = runReplayCli(cliEnv, findings);
  return { findings, poisonFound, cli, updates: updates.length };
}
