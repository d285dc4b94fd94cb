import type postgres from 'postgres';
import type { Executor } from '../../server/db/client.js';
import { recordingDatabase, type PlanNode, type Statement } from '../../scripts/bench/lib/queryPlans.js';

export type { Statement };

/**
 * The statements `run` sends, with their parameters as Drizzle hands them to the driver: `run`
 * is run on `client` in a transaction rolled back after.
 */
export async function statementsOf(client: postgres.Sql, run: (ex: Executor) => Promise<unknown>): Promise<Statement[]> {
  const { db, sent: captured } = recordingDatabase(client);
  const rollback = new Error('rollback');
  await db
    .transaction(async (tx) => {
      await run(tx);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return captured;
}

/** The one statement `run` sends (statementsOf). */
export async function statementOf(client: postgres.Sql, run: (ex: Executor) => Promise<unknown>): Promise<Statement> {
  const captured = await statementsOf(client, run);
  if (captured.length !== 1) throw new Error(`${captured.length} statements were sent, not one`);
  return captured[0]!;
}

/** `(a, b, …)` of a statement's parameters as literals, for EXECUTE; nothing when it has none. */
const argumentsOf = (statement: Statement) => (statement.params.length > 0 ? `(${statement.params.map(literal).join(', ')})` : '');

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `'${text.replace(/'/g, "''")}'`;
}

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
