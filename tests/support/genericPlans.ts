import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { Executor } from '../../server/db/client.js';
import type { PlanNode } from '../../scripts/bench/lib/queryPlans.js';

/** A statement as a repository sends it: its text and parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * The statement `run` sends through its executor, captured instead of run (the executor answers
 * no rows). For repository calls that send one statement with `execute`.
 */
export async function statementOf(run: (ex: Executor) => Promise<unknown>): Promise<Statement> {
  let captured: Statement | undefined;
  const dialect = new PgDialect();
  const capturing = { execute: async (query: SQL) => ((captured = dialect.sqlToQuery(query)), []) } as unknown as Executor;
  await run(capturing).catch(() => undefined); // what it makes of no rows is not the point
  if (!captured) throw new Error('no statement was sent');
  return captured;
}

/** `(a, b, …)` of a statement's parameters as literals, for EXECUTE; nothing when it has none. */
const argumentsOf = (statement: Statement) => (statement.params.length > 0 ? `(${statement.params.map(literal).join(', ')})` : '');

const literal = (value: unknown) =>
  value === null ? 'null' : typeof value === 'number' || typeof value === 'boolean' ? String(value) : `'${String(value).replace(/'/g, "''")}'`;

/**
 * Generic plans on one connection of `sql` (it must have one): `prepare` makes a statement's
 * plan now, whatever its parameters, as PostgreSQL does on a prepared statement's sixth run and
 * then keeps; `explain` runs it again (EXPLAIN ANALYZE, in a transaction rolled back) with that
 * same plan. Requires `plan_cache_mode = force_generic_plan` on the connection.
 */
export function genericPlans(sql: postgres.Sql) {
  return {
    async prepare(name: string, statement: Statement): Promise<void> {
      await sql.unsafe(`prepare ${name} as ${statement.sql}`);
      await sql.begin(async (tx) => {
        await tx.unsafe(`explain execute ${name}${argumentsOf(statement)}`);
      });
    },
    async explain(name: string, statement: Statement, analyze = true): Promise<PlanNode> {
      let plan: PlanNode | undefined;
      const rollback = new Error('rollback');
      await sql
        .begin(async (tx) => {
          const [row] = await tx.unsafe(`explain (analyze ${analyze}, format json) execute ${name}${argumentsOf(statement)}`);
          plan = (row!['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan;
          throw rollback;
        })
        .catch((error: unknown) => {
          if (error !== rollback) throw error;
        });
      return plan!;
    },
  };
}

/** The indexes a plan reads, by name. */
export function indexesOf(node: PlanNode, found: string[] = []): string[] {
  if (node['Index Name']) found.push(node['Index Name']);
  for (const child of node.Plans ?? []) indexesOf(child, found);
  return found;
}
