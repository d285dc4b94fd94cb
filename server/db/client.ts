import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { PREPARED_STATEMENT_MARK } from './preparedStatement.js';
import * as schema from './schema.js';
import { migratePgliteDatabase, migratePostgresDatabase } from './migrate.js';
import { hasErrorCode } from '../errors.js';
import { pgliteExtensions } from './pgliteExtensions.js';
import { withServerSocket } from './serverSocket.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What a repository takes: the database, or a transaction opened by a service. */
export type Executor = Database | Transaction;

export type DriverName = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Database;
  driver: DriverName;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Applies the committed drizzle-kit migrations that are not yet applied. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…`; unset selects the embedded PGlite database. */
  databaseUrl?: string;
  /** Folder of the embedded database; `memory://` keeps it in memory. */
  dataDir: string;
  /** Size of the postgres.js pool. */
  maxConnections?: number;
}

/** The one driver factory: PGlite when no `DATABASE_URL` is given, postgres.js otherwise. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.maxConnections ?? 20);
  return openPglite(options.dataDir);
}

function openPostgres(url: string, max: number): DatabaseHandle {
  const client = postgres(url, withServerSocket({
    max,
    onnotice: () => {},
    connect_timeout: 5,
    // Connections are re-opened lazily, so a database that comes back is used again.
    idle_timeout: 60,
  }));
  const db = drizzlePostgres(preparedInTransactions(client), { schema }) as unknown as Database;
  return {
    db,
    driver: 'postgres',
    ping: async () => {
      await client`select 1`;
    },
    migrate: () => migratePostgresDatabase(url),
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * Drizzle hands postgres.js every query it builds itself with `prepare: false`, and postgres.js
 * then asks the server for the parameter types before each one (Parse/Describe, wait, then
 * Bind/Execute): two round trips per statement, and nothing pipelines behind it. Inside a
 * transaction (and its savepoints) statements are made prepared: described once per
 * connection and cached by their text, each later call is one round trip, and statements sent
 * together share one. Outside transactions they stay as Drizzle sends them, unless marked
 * (db/preparedStatement.ts): a pooled connection that accepts pipelined queries may be handed a
 * BEGIN while its socket is backed up, and postgres.js then fails that transaction with
 * UNSAFE_TRANSACTION (seen under load).
 */
function preparedInTransactions<T extends postgres.Sql | postgres.TransactionSql>(sql: T, inTransaction = false): T {
  return new Proxy(sql, {
    get(target, property) {
      if (property === 'unsafe' && inTransaction) {
        return (query: string, parameters?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, parameters as never, parameters?.length ? { ...options, prepare: true } : options);
      }
      if (property === 'unsafe') {
        return (query: string, parameters?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, parameters as never, query.startsWith(PREPARED_STATEMENT_MARK) ? { ...options, ...preparedAlone } : options);
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const work = args.pop() as (inner: postgres.TransactionSql) => unknown;
          const open = (target as unknown as Record<string, (...open: unknown[]) => Promise<unknown>>)[property]!;
          let ended!: () => void;
          const transactionEnded = new Promise<void>((resolve) => (ended = resolve));
          const transaction = open.call(target, ...args, (inner: postgres.TransactionSql) =>
            unlessConnectionLost(Promise.resolve(work(preparedInTransactions(inner, true))), transactionEnded),
          );
          transaction.then(ended, ended);
          return transaction;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A statement outside a transaction, prepared (db/preparedStatement.ts) yet never followed on
 * its connection by another query before it answers: postgres.js's `onexecute` answering false
 * files the connection as full, as it does a statement it must describe first. Left open to
 * pipelining, the connection could be handed a BEGIN while its socket is backed up, and
 * postgres.js would fail that transaction with UNSAFE_TRANSACTION (above).
 */
const preparedAlone = { prepare: true, onexecute: () => false } as postgres.UnsafeQueryOptions;

// Errors that come with a connection closing (by the socket or the server).
const CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE', '57P01', '57P02']);
/** How long a transaction whose work met such an error waits to see its own connection close. */
const CONNECTION_CLOSE_GRACE_MS = 1000;

/**
 * A transaction's work that failed because its own connection is gone never settles: postgres.js
 * 3.4.9 answers a failed transaction by writing ROLLBACK, and on a connection already closed
 * that write throws from a timer and kills the process (porsager/postgres#1208, unfixed). The
 * transaction still fails, with the connection's error: `begin` races its work against the
 * connection closing. When the error came from another connection (the transaction's own did
 * not close meanwhile), it fails as usual and rolls back: left hanging, it would hold its locks.
 */
async function unlessConnectionLost<T>(work: Promise<T>, transactionEnded: Promise<void>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!hasErrorCode(error, CONNECTION_LOST)) throw error;
    let timer: NodeJS.Timeout | undefined;
    const ownClosed = await Promise.race([
      transactionEnded.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(resolve, CONNECTION_CLOSE_GRACE_MS, false))),
    ]);
    clearTimeout(timer);
    if (ownClosed) return new Promise<T>(() => {});
    throw error;
  }
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  let location = dataDir;
  if (!dataDir.startsWith('memory://')) {
    location = resolve(dataDir, 'pglite');
    mkdirSync(location, { recursive: true });
  }
  const client = new PGlite(location, { extensions: pgliteExtensions });
  await client.waitReady;
  return wrapPglite(client);
}

/** Wraps an already open PGlite instance (tests share one per file). */
export function wrapPglite(client: PGlite, options: { closeClient?: boolean } = {}): DatabaseHandle {
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    driver: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    migrate: () => migratePgliteDatabase(client),
    close: async () => {
      if (options.closeClient !== false && !client.closed) await client.close();
    },
  };
}
