import { drizzle } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Database } from '../../../server/db/client.js';
import * as schema from '../../../server/db/schema.js';
import { summarize, type LatencySummary } from './stats.js';

const BIG_TABLES = new Set(['tickets', 'clients', 'chat_sessions', 'chat_messages', 'ticket_events']);

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Subplan Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

// A plan node that throws away this many rows is a scan in all but name (an index walked end to
// end with a filter, a join filtering every pair), though no Seq Scan appears.
export const WASTED_ROWS = 10_000;

/** What in an EXPLAIN ANALYZE plan grows with the tables: sequential scans of big tables, and big discards. */
export function fullScans(node: PlanNode, found: string[] = []): string[] {
  // A branch a one-time filter skipped (`never executed`) read nothing.
  if (node['Actual Loops'] === 0) return found;
  const relation = node['Relation Name'];
  if (node['Node Type'] === 'Seq Scan' && relation && BIG_TABLES.has(relation)) found.push(`Seq Scan on ${relation}`);
  const removed = ((node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Join Filter'] ?? 0)) * (node['Actual Loops'] ?? 1);
  if (removed >= WASTED_ROWS) found.push(`${node['Node Type']}${relation ? ` on ${relation}` : ''} discarding ${removed.toLocaleString('en-US')} rows`);
  for (const child of node.Plans ?? []) fullScans(child, found);
  return found;
}

/** Calls `call` `warmups` times, then `runs` times timed one after another. */
export async function timeCalls(call: () => Promise<unknown>, runs: number, warmups: number): Promise<LatencySummary> {
  for (let i = 0; i < warmups; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  return summarize(times);
}

/** The indexes a plan reads and how (`walked` backward, `bitmap`, `probed` by a loop), and the tables it scans: one line. */
export function indexesRead(node: PlanNode, found = new Set<string>()): Set<string> {
  if (node['Actual Loops'] === 0) return found;
  const index = node['Index Name'];
  if (index) {
    const how = node['Node Type'].startsWith('Bitmap') ? 'bitmap' : (node['Actual Loops'] ?? 1) > 1 ? 'probed' : node['Scan Direction'] === 'Backward' ? 'walked' : 'read';
    found.add(`${index} (${how})`);
  }
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) found.add(`Seq Scan on ${node['Relation Name']}`);
  for (const child of node.Plans ?? []) indexesRead(child, found);
  return found;
}

/** An EXPLAIN ANALYZE tree as indented lines: node, relation or index, rows × loops, time. */
export function planOutline(node: PlanNode, depth = 0, lines: string[] = []): string[] {
  const on = [node['Relation Name'] && `on ${node['Relation Name']}`, node['Index Name'] && `using ${node['Index Name']}`].filter(Boolean).join(' ');
  const direction = node['Scan Direction'] === 'Backward' ? ' Backward' : '';
  const rows = `rows=${node['Actual Rows'] ?? '?'}${(node['Actual Loops'] ?? 1) > 1 ? ` loops=${node['Actual Loops']}` : ''}`;
  const removed = node['Rows Removed by Filter'] ? ` removed=${node['Rows Removed by Filter']}` : '';
  const label = node['Subplan Name'] ? `${node['Subplan Name']}: ` : '';
  lines.push(`${'  '.repeat(depth)}${label}${node['Node Type']}${direction} ${on} (${rows}${removed}, ${node['Actual Total Time'] ?? '?'} ms)`.replace(/ {2,}\(/, ' ('));
  for (const child of node.Plans ?? []) planOutline(child, depth + 1, lines);
  return lines;
}

export interface StatementPlan {
  plan: PlanNode;
  /** Planning and execution time as EXPLAIN ANALYZE measured them, and whether JIT compiled it. */
  planningMs: number;
  executionMs: number;
  jit: boolean;
}

/** A statement as a repository sends it: its text and parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A database on `sql` that writes down each statement sent through it, with its parameters as Drizzle hands them to the driver. */
export function recordingDatabase(sql: postgres.Sql): { db: Database; sent: Statement[] } {
  const sent: Statement[] = [];
  const db = drizzle(sql, { schema, logger: { logQuery: (query, params) => sent.push({ sql: query, params }) } }) as unknown as Database;
  return { db, sent };
}

/**
 * The statements `direct` runs (a service called on a logging database), each EXPLAIN ANALYZEd
 * with its parameters: how many there were, the full scans among their plans, and the plans.
 * Settings (`set local jit = off`, `select set_config(…)`) are run, not EXPLAINed.
 */
export async function plansOf(
  sql: postgres.Sql,
  direct: (db: Database) => Promise<unknown>,
): Promise<{ statements: number; scans: string[]; plans: StatementPlan[] }> {
  const { db, sent: captured } = recordingDatabase(sql);
  await direct(db);
  const scans: string[] = [];
  const plans: StatementPlan[] = [];
  // One transaction, statements in their order: a setting the service makes for its statement
  // (`set local jit = off`) is in force for the EXPLAIN of the statements after it.
  await sql.begin(async (tx) => {
    for (const { sql: query, params } of captured) {
      if (/^\s*(set\b|select set_config\()/i.test(query)) {
        await tx.unsafe(query, params as never[]);
        continue;
      }
      const [row] = await tx.unsafe(`explain (analyze, format json) ${query}`, params as never[]);
      const [explained] = (row as unknown as { 'QUERY PLAN': Array<{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number; JIT?: unknown }> })['QUERY PLAN'];
      scans.push(...fullScans(explained!.Plan));
      plans.push({ plan: explained!.Plan, planningMs: explained!['Planning Time'], executionMs: explained!['Execution Time'], jit: explained!.JIT !== undefined });
    }
  });
  return { statements: captured.length, scans, plans };
}
