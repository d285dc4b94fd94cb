import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/**
 * `= any(…)` of these uuids, as one jsonb parameter (one statement text for any number of ids),
 * e.g. sql`${tickets.id} ${anyOfIds(ids)}`.
 *
 * Why an array and not `in (select … from jsonb_array_elements_text(…))`: the planner treats
 * the `in` as a join with a function of 100 rows and, on a table without statistics (a fresh
 * database, or autovacuum off), joins it to the table's whole active part — every active chat
 * session read to lock a dozen (10 ms at 20,000 sessions). The array is an init plan read
 * once, and the ids are looked up in the index: the same statement took 0.9 ms.
 * Not when the plan was made while the table was small and kept (a prepared statement's
 * generic plan): then the table may be read whole and the ids filtered. Hot statements look each
 * id up with `eachOfIds` and a fenced lateral lookup, or `= any(array[k.id])` (tests/query-plans.test.ts).
 */
export function anyOfIds(ids: readonly string[]): SQL {
  return sql`= any(${idArray(ids)})`;
}

/**
 * These uuids as rows of one column, for a lateral lookup of each by its key, e.g.
 * sql`${eachOfIds(ids)} as k(id) cross join lateral (select … where ticket_id = k.id offset 0) s`.
 */
export function eachOfIds(ids: readonly string[]): SQL {
  return sql`unnest(${idArray(ids)})`;
}

/**
 * These ids as rows `k(id)`, for a join or an UPDATE … FROM that looks each row of a table up by
 * its key with `isEachKey(table.id)`: `= any(array[k.id])` can drive no hash or merge join, which
 * a plan made on a handful of rows would keep reading the whole table with (DESIGN.md;
 * tests/query-plans.test.ts). E.g. `.from(eachKeyOf(ids)).innerJoin(tickets, isEachKey(tickets.id))`.
 */
export function eachKeyOf(ids: readonly string[]): SQL {
  return sql`${eachOfIds(ids)} as k(id)`;
}

/** The key condition of `eachKeyOf`'s rows on `column`. */
export function isEachKey(column: AnyColumn): SQL {
  return sql`${column} = any(array[k.id])`;
}

/** A uuid[] of these ids, from one jsonb parameter (one statement text for any number of ids). */
function idArray(ids: readonly string[]): SQL {
  return sql`array(select value::uuid from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`;
}
