import { chunksOf, prepared, Queryable, runPrepared } from '@restock/event-store';
import { FulfillmentState, LineSnapshot, restoreFrom, SnapshotHead, snapshotHead, snapshotLines } from '@restock/fulfillment-domain';

/**
 * Lines per stored part of a snapshot. A SKU's open lines are stored in parts of this many, each
 * its own json value of about 300 KB, so neither writing nor loading a SKU with a long queue builds
 * one document of all its lines (100,000 waiting lines were a 30 MB string, plus pg's copy of it).
 */
export const SNAPSHOT_LINES_PER_PART = 1_000;
/** Lines per INSERT of parts: a statement's text stays near a megabyte. */
const SNAPSHOT_LINES_PER_STATEMENT = 4_000;
/** Rows per INSERT: three parameters each, far below PostgreSQL's 65,535 per statement. */
const SNAPSHOT_ROWS_PER_STATEMENT = 1_000;

/** A SKU's state as of a stream version: the version its snapshot is taken at, or was loaded from. */
export interface SkuSnapshot {
  readonly sku: string;
  readonly version: number;
  readonly state: FulfillmentState;
}

interface SnapshotPart {
  readonly sku: string;
  readonly part: number;
  /** The part's lines as json text. */
  readonly lines: string;
  readonly lineCount: number;
}

/**
 * Replaces the stored snapshots of these SKUs, in the caller's transaction: the heads, then the
 * lines in parts of SNAPSHOT_LINES_PER_PART, serialized a statement's worth at a time.
 */
export async function storeSnapshots(tx: Queryable, snapshots: readonly SkuSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  for (const heads of chunksOf(snapshots, SNAPSHOT_ROWS_PER_STATEMENT)) await storeHeads(tx, heads);
  await tx.query('DELETE FROM sku_snapshot_lines WHERE sku = ANY($1::text[])', [snapshots.map((entry) => entry.sku)]);
  for (const parts of statementsOf(partsOf(snapshots))) await storeParts(tx, parts);
}

async function storeHeads(tx: Queryable, snapshots: readonly SkuSnapshot[]): Promise<void> {
  const values = snapshots.map((_, index) => `($${4 * index + 1}, $${4 * index + 2}::integer, $${4 * index + 3}::json, $${4 * index + 4}::integer)`);
  const parameters = snapshots.flatMap(({ sku, version, state }) => [sku, version, JSON.stringify(snapshotHead(state)), state.lines.size]);
  await tx.query(
    `INSERT INTO sku_snapshots (sku, version, snapshot, line_count) VALUES ${values.join(', ')}
     ON CONFLICT (sku) DO UPDATE SET version = EXCLUDED.version, snapshot = EXCLUDED.snapshot, line_count = EXCLUDED.line_count, taken_at = now()`,
    parameters,
  );
}

function* partsOf(snapshots: readonly SkuSnapshot[]): Generator<SnapshotPart> {
  for (const { sku, state } of snapshots) {
    let part = 0;
    for (const lines of chunksOf(snapshotLines(state), SNAPSHOT_LINES_PER_PART)) {
      yield { sku, part, lines: JSON.stringify(lines), lineCount: lines.length };
      part += 1;
    }
  }
}

/** Parts grouped into statements of at most SNAPSHOT_LINES_PER_STATEMENT lines (a larger part goes alone). */
function* statementsOf(parts: Iterable<SnapshotPart>): Generator<SnapshotPart[]> {
  let statement: SnapshotPart[] = [];
  let lines = 0;
  for (const part of parts) {
    if (statement.length > 0 && (lines + part.lineCount > SNAPSHOT_LINES_PER_STATEMENT || statement.length === SNAPSHOT_ROWS_PER_STATEMENT)) {
      yield statement;
      statement = [];
      lines = 0;
    }
    statement.push(part);
    lines += part.lineCount;
  }
  if (statement.length > 0) yield statement;
}

// Each part is its own text parameter: pg sends it as it is and PostgreSQL only checks it (json).
async function storeParts(tx: Queryable, parts: readonly SnapshotPart[]): Promise<void> {
  const values = parts.map((_, index) => `($${3 * index + 1}, $${3 * index + 2}::integer, $${3 * index + 3}::json)`);
  await tx.query(
    `INSERT INTO sku_snapshot_lines (sku, part, lines) VALUES ${values.join(', ')}`,
    parts.flatMap(({ sku, part, lines }) => [sku, part, lines]),
  );
}

interface SnapshotRow {
  readonly sku: string;
  readonly version: number | null;
  readonly line_count: number | null;
  readonly part: number | null;
  /** The head (part null) or a part's lines, parsed by pg. */
  readonly body: SnapshotHead | LineSnapshot[];
}

const LOAD_SNAPSHOTS = prepared(
  'restock_load_snapshots',
  `SELECT sku, version, line_count, NULL::integer AS part, snapshot AS body FROM sku_snapshots WHERE sku = ANY($1::text[])
   UNION ALL
   SELECT sku, NULL, NULL, part, lines FROM sku_snapshot_lines WHERE sku = ANY($1::text[])
   ORDER BY sku, part NULLS FIRST`,
);

/**
 * The stored snapshots of these SKUs, restored. Heads and parts are read by one statement, so they
 * are of one snapshot even while a writer replaces it. A snapshot whose parts do not add up to its
 * line count (rows deleted by hand: the table is a cache) is left out, and the SKU is then folded
 * from its events.
 */
export async function loadSnapshots(q: Queryable, skus: readonly string[]): Promise<SkuSnapshot[]> {
  if (skus.length === 0) return [];
  const result = await runPrepared<SnapshotRow>(
    q,
    LOAD_SNAPSHOTS,
    [skus],
  );
  const loaded: SkuSnapshot[] = [];
  let start = 0;
  while (start < result.rows.length) {
    let end = start + 1;
    while (end < result.rows.length && result.rows[end]!.part !== null) end += 1;
    const restored = restoredSnapshot(result.rows[start]!, result.rows.slice(start + 1, end));
    if (restored) loaded.push(restored);
    start = end;
  }
  return loaded;
}

function restoredSnapshot(head: SnapshotRow, parts: readonly SnapshotRow[]): SkuSnapshot | null {
  const lines = parts.map((part) => part.body as LineSnapshot[]);
  const stored = lines.reduce((count, partLines) => count + partLines.length, 0);
  if (head.part !== null || stored !== head.line_count) return null;
  return { sku: head.sku, version: head.version!, state: restoreFrom(head.body as SnapshotHead, linesOf(lines)) };
}

function* linesOf(parts: readonly LineSnapshot[][]): Generator<LineSnapshot> {
  for (const lines of parts) yield* lines;
}
