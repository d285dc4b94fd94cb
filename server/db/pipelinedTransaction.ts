import type postgres from 'postgres';
import { hasErrorCode } from '../errors.js';

// Errors that come with a connection closing (by the socket or the server).
export const CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE', '57P01', '57P02']);

type Query = postgres.PendingQuery<postgres.Row[]>;
type TransactionWork<T> = (sql: postgres.TransactionSql) => T | Promise<T>;

/** What a transaction knows of its connection and of the statements it sent. */
interface Scope {
  /** The first statement of this scope (transaction or savepoint) that failed, awaited or not. */
  failure?: unknown;
  connection: { lost?: Error; savepoints: number };
}

/**
 * postgres.js's `begin` on a connection of its own whose BEGIN goes out with the transaction's
 * first statements: postgres.js sends BEGIN alone and waits for its answer before the work
 * starts — one round trip and one `write(2)` more per transaction (on this machine a write to
 * PostgreSQL costs the node ≈ 70 µs of CPU, and a chat start makes four). Otherwise it keeps
 * `begin`'s rules:
 * - a statement that fails fails the transaction, even when the work did not await it (the
 *   event log's append is sent with COMMIT right behind it): the transaction then answers that
 *   failure, not the "transaction is aborted" of the statements after it;
 * - `savepoint(work)` runs nested work that rolls back alone;
 * - the work's answer is returned after COMMIT; a thrown error after ROLLBACK.
 * When the connection closes under the transaction it fails with the connection's error, and
 * nothing more is written on that connection: postgres.js 3.4.9 writing ROLLBACK (or any
 * statement) on a closed connection throws from a timer and kills the process
 * (porsager/postgres#1208); a closed connection goes back to postgres.js, which reconnects it.
 * A connection is waited for at most `reserveTimeoutMs`: while PostgreSQL is unreachable
 * postgres.js 3.4.9 may keep a `reserve()` waiting for ever where a query would have failed.
 */
export async function beginPipelined<T>(pool: postgres.Sql, options: string, work: TransactionWork<T>, reserveTimeoutMs: number): Promise<T> {
  const reserved = await reserveWithin(pool, reserveTimeoutMs);
  const scope: Scope = { connection: { savepoints: 0 } };
  try {
    send(reserved, scope, `begin ${options.replace(/[^a-z ]/gi, '')}`, {
      onexecute: (connection: { onclose?: (error: Error) => void }) => {
        // postgres.js calls it when the connection closes (PostgreSQL gone, socket reset).
        connection.onclose = (error) => (scope.connection.lost = error);
        return true; // the transaction's statements may follow BEGIN on the wire
      },
    });
    const result = await runScope(reserved, scope, work);
    await send(reserved, scope, 'commit');
    throwIfFailed(scope);
    return result;
  } catch (error) {
    if (!scope.connection.lost) await send(reserved, scope, 'rollback').catch(() => {});
    throw settledFailure(scope, error);
  } finally {
    // A lost connection is postgres.js's to reconnect; released, it would be handed out as open.
    if (!scope.connection.lost) reserved.release();
  }
}

async function runScope<T>(reserved: postgres.ReservedSql, scope: Scope, work: TransactionWork<T>): Promise<T> {
  const result = await work(transactionSql(reserved, scope));
  throwIfFailed(scope);
  return result;
}

/** The transaction as its work sees it: statements tracked by `scope`, and savepoints. */
function transactionSql(reserved: postgres.ReservedSql, scope: Scope): postgres.TransactionSql {
  const savepoint = async <T>(...args: unknown[]): Promise<T> => {
    const work = args.pop() as TransactionWork<T>;
    const name = `s${++scope.connection.savepoints}`;
    const inner: Scope = { connection: scope.connection };
    send(reserved, inner, `savepoint ${name}`);
    try {
      const result = await runScope(reserved, inner, work);
      await send(reserved, inner, `release savepoint ${name}`);
      throwIfFailed(inner);
      return result;
    } catch (error) {
      if (!scope.connection.lost) await send(reserved, scope, `rollback to savepoint ${name}`);
      throw settledFailure(inner, error);
    }
  };
  return new Proxy(reserved, {
    get(target, property) {
      if (property === 'savepoint') return savepoint;
      if (property === 'unsafe') {
        return (query: string, parameters?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          track(scope, target.unsafe(query, parameters, options) as unknown as Query);
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as postgres.TransactionSql;
}

function send(reserved: postgres.ReservedSql, scope: Scope, statement: string, options?: object): Query {
  return track(scope, reserved.unsafe(statement, [], options as postgres.UnsafeQueryOptions) as unknown as Query);
}

/** Records the statement's failure in its scope; refuses it at once when the connection is gone. */
function track(scope: Scope, query: Query): Query {
  if (scope.connection.lost) {
    // Never handed to postgres.js: on a closed connection its write would crash the process.
    const lost = scope.connection.lost;
    const refused = () => {
      const rejected = Promise.reject(lost);
      rejected.catch(() => {}); // answered to whoever awaits it; not an unhandled rejection
      return rejected;
    };
    return Object.assign(refused(), { values: refused }) as unknown as Query;
  }
  query.catch((error: unknown) => {
    scope.failure ??= error;
  });
  return query;
}

function throwIfFailed(scope: Scope): void {
  if (scope.connection.lost) throw scope.connection.lost;
  if (scope.failure !== undefined) throw scope.failure;
}

/** The error a failed scope answers: the connection's when it was lost, else the first statement's. */
function settledFailure(scope: Scope, error: unknown): unknown {
  if (scope.connection.lost && !hasErrorCode(error, CONNECTION_LOST)) return scope.connection.lost;
  // "current transaction is aborted": a later statement's answer to the failure that matters.
  if (hasErrorCode(error, new Set(['25P02'])) && scope.failure !== undefined) return scope.failure;
  return error;
}

/**
 * A connection of the pool to itself, or CONNECT_TIMEOUT (a database-unavailable error) after
 * `timeoutMs`; one that comes later is given back to the pool.
 */
async function reserveWithin(pool: postgres.Sql, timeoutMs: number): Promise<postgres.ReservedSql> {
  const reserving = pool.reserve();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reserving.then((late) => late.release(), () => {});
      reject(Object.assign(new Error(`no database connection within ${timeoutMs} ms`), { code: 'CONNECT_TIMEOUT' }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([reserving, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
