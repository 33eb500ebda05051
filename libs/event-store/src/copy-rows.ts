import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Queryable } from './database';

/** A column value of COPY's text format: NULL, a number, or text (JSON included) as it is. */
export type CopyValue = string | number | null;

// COPY's text format ends a row at a newline and a column at a tab, and reads a backslash as the
// start of an escape; every one of them in a value is written as its escape.
const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return value.replace(COPY_SPECIAL, (special) => COPY_ESCAPES[special]!);
}

/** One row of COPY's text format, newline included. */
export function copyLine(values: readonly CopyValue[]): string {
  return `${values.map(copyField).join('\t')}\n`;
}

/**
 * Streams rows (copyLine's text) into a table with `COPY <table> (<columns>) FROM STDIN`, in the
 * caller's transaction. PostgreSQL parses COPY's text with no per-row statement work: 2,000 event
 * rows took about 38 % less of its time than the same rows as a json_to_recordset document
 * (docs/benchmarks.md, seventh pass). COPY needs the connection itself, not a query-only surface.
 */
export async function copyRows(tx: Queryable, table: string, columns: readonly string[], text: string): Promise<void> {
  if (!(tx instanceof Client)) throw new Error(`COPY into ${table} needs the transaction's connection (a pg client)`);
  await pipeline(Readable.from([text]), tx.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
}
