import type postgres from 'postgres';

/** How many backends of this database wait on a lock (only those running a statement that starts with `statementStart`, when given). */
export async function lockWaiters(sql: postgres.Sql, statementStart = ''): Promise<number> {
  const [row] = await sql<Array<{ n: number }>>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and starts_with(query, ${statementStart})`;
  return row!.n;
}

/** Resolves once at least `count` backends of this database wait on a lock (see lockWaiters). */
export async function untilLockWaiters(sql: postgres.Sql, count = 1, statementStart = ''): Promise<void> {
  while ((await lockWaiters(sql, statementStart)) < count) await new Promise((resolve) => setImmediate(resolve));
}
