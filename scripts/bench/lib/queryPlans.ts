import { drizzle } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Database } from '../../../server/db/client.js';
import * as schema from '../../../server/db/schema.js';
import { summarize, type LatencySummary } from './stats.js';

const BIG_TABLES = new Set(['tickets', 'clients', 'chat_sessions', 'chat_messages', 'ticket_events']);

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

// A plan node that throws away this many rows is a scan in all but name (an index walked end to
// end with a filter, a join filtering every pair), though no Seq Scan appears.
export const WASTED_ROWS = 10_000;

/** What in an EXPLAIN ANALYZE plan grows with the tables: sequential scans of big tables, and big discards. */
export function fullScans(node: PlanNode, found: string[] = []): string[] {
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

/**
 * The statements `direct` runs (a service called on a logging database), each EXPLAIN ANALYZEd
 * with its parameters: how many there were and the full scans among their plans. Settings
 * (`set local jit = off`) have no plan.
 */
export async function plansOf(sql: postgres.Sql, direct: (db: Database) => Promise<unknown>): Promise<{ statements: number; scans: string[] }> {
  const captured: Array<{ query: string; params: unknown[] }> = [];
  const logged = drizzle(sql, { schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } }) as unknown as Database;
  await direct(logged);
  const scans: string[] = [];
  for (const { query, params } of captured.filter((statement) => !/^\s*set\b/i.test(statement.query))) {
    const [row] = await sql.unsafe(`explain (analyze, format json) ${query}`, params as never[]);
    scans.push(...fullScans((row as unknown as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan));
  }
  return { statements: captured.length, scans };
}
