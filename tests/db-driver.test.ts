import { createServer, type AddressInfo, type Server } from 'node:net';
import { eq, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../server/db/client.js';
import { PREPARED_STATEMENT } from '../server/db/preparedStatement.js';
import { migratePostgresDatabase } from '../server/db/migrate.js';
import { clients } from '../server/db/schema.js';
import { isDatabaseUnavailable, toAppError } from '../server/errors.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';

/** Rows of a raw `execute` on postgres.js. */
const rows = (result: unknown) => result as Array<Record<string, unknown>>;

describe.skipIf(!inject('postgresAvailable'))('postgres.js under Drizzle', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestPostgres();
  });
  afterAll(() => database?.close());

  it('prepares the statements of a transaction (one round trip each, pipelined when sent together)', async () => {
    const prepared = await database.handle.db.transaction(async (tx) => {
      // Sent together: both are prepared on this connection and answered in order.
      const [first, second] = await Promise.all([
        tx.select().from(clients).where(eq(clients.email, 'nobody@example.com')),
        tx.select().from(clients).where(eq(clients.phone, '+5511900000000')),
      ]);
      expect([first, second]).toEqual([[], []]);
      return rows(await tx.execute(sql`select statement from pg_prepared_statements`)).map((row) => String(row.statement));
    });
    expect(prepared.some((statement) => statement.includes('"clients"."email" = $1'))).toBe(true);
    expect(prepared.some((statement) => statement.includes('"clients"."phone" = $1'))).toBe(true);
  });
});

describe.skipIf(!inject('postgresAvailable'))('a prepared statement outside a transaction (PREPARED_STATEMENT)', () => {
  let database: TestDatabase;
  let pool: DatabaseHandle;
  let holder: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestPostgres();
    pool = await openDatabase({ databaseUrl: database.url!, dataDir: 'unused', maxConnections: 2 });
    holder = await openDatabase({ databaseUrl: database.url!, dataDir: 'unused', maxConnections: 1 });
  });
  afterAll(async () => {
    await pool?.close();
    await holder?.close();
    await database?.close();
  });

  it('its connection takes no other query before it answers (a BEGIN pipelined there could fail as UNSAFE_TRANSACTION)', async () => {
    const { db } = pool;
    const waitingOnLocks = async () =>
      Number(rows(await holder.db.execute(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`))[0]!.n);
    // Drizzle's queries start when awaited: `run` starts one now.
    const run = (query: SQL) => db.execute(query).then((result) => result);
    const marked = (key: number) => run(sql`${PREPARED_STATEMENT}select pg_advisory_xact_lock(${key}::int8)`);
    // Both pooled connections open, the marked statement prepared on each (a statement described
    // first takes nothing behind it anyway); then each made to wait on a lock the holder has:
    // one in the marked statement, one in a plain one.
    await Promise.all([marked(1), marked(2)]);
    await holder.db.execute(sql`select pg_advisory_lock(41), pg_advisory_lock(42)`);
    try {
      const waitingMarked = marked(41);
      const plain = run(sql`select pg_advisory_xact_lock(${42}::int8)`);
      while ((await waitingOnLocks()) < 2) await new Promise((resolve) => setImmediate(resolve));
      // No connection is free: a third query waits for one, unless the marked statement's
      // connection takes it behind that statement (pipelined), where it would wait for lock 41.
      const third = run(sql`select 3 as n`);
      await holder.db.execute(sql`select pg_advisory_unlock(42)`);
      await plain;
      const answered = await Promise.race([third.then(() => 'answered'), new Promise((resolve) => setTimeout(resolve, 10_000, 'stuck behind the marked statement'))]);
      expect(answered).toBe('answered');
      await holder.db.execute(sql`select pg_advisory_unlock(41)`);
      await waitingMarked;
    } finally {
      await holder.db.execute(sql`select pg_advisory_unlock_all()`);
    }
  });
});

describe('a database server that hangs up without a word', () => {
  // What a TCP proxy (HAProxy, PgBouncer) in front of a stopped database does: accept, then close.
  let silent: Server;
  let url: string;
  beforeAll(async () => {
    // It reads what it is sent (resume), so it sees the node hang up in turn and can close.
    silent = createServer((connection) => connection.resume().end());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/atende`;
  });
  afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

  it('fails the query as unavailable, rather than reconnecting behind it forever', async () => {
    const handle = await openDatabase({ databaseUrl: url, dataDir: 'unused' });
    try {
      const failed = await handle.ping().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(failed)).toBe(true);
      expect(toAppError(failed).code).toBe('UNAVAILABLE');
    } finally {
      await handle.close();
    }
  });

  it('fails the migration the same way, so a node starting behind it stops with a message', async () => {
    const failed = await migratePostgresDatabase(url).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(failed)).toBe(true);
  });
});

describe.skipIf(!inject('postgresAvailable'))('a connection closed in the middle of a transaction', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    database = await openTestPostgres();
    proxy = await startTcpProxy(Number(new URL(database.url!).port || 5432));
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.close();
  });

  it('fails the transaction as unavailable, the process lives on, and the next transaction works', async () => {
    const viaProxy = new URL(database.url!);
    viaProxy.port = String(proxy.port);
    const handle = await openDatabase({ databaseUrl: viaProxy.toString(), dataDir: 'unused', maxConnections: 1 });
    try {
      const crashes: unknown[] = [];
      const onUncaught = (error: unknown) => crashes.push(error);
      process.on('uncaughtException', onUncaught);
      let started!: () => void;
      const inFlight = new Promise<void>((resolve) => (started = resolve));
      const transaction = handle.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        started();
        await tx.execute(sql`select pg_sleep(5)`);
      });
      await inFlight;
      proxy.block(); // a clean close (FIN) while the query runs: postgres.js then wrote ROLLBACK on no socket
      const failed = await transaction.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isDatabaseUnavailable(failed)).toBe(true);
      // The write that crashed was scheduled with setImmediate: let it run.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      process.off('uncaughtException', onUncaught);
      expect(crashes).toEqual([]);

      proxy.unblock();
      const [row] = await handle.db.transaction(async (tx) => rows(await tx.execute(sql`select 2 as two`)));
      expect(row).toEqual({ two: 2 });
    } finally {
      await handle.close();
    }
  });

  it("a connection error from elsewhere (its own connection alive) fails the transaction as usual: rolled back, its connection free again", async () => {
    const handle = await openDatabase({ databaseUrl: database.url!, dataDir: 'unused', maxConnections: 1 });
    try {
      const otherConnections = Object.assign(new Error('another connection was reset'), { code: 'ECONNRESET' });
      const failed = await handle.db
        .transaction(async (tx) => {
          await tx.execute(sql`create temporary table rolled_back (id int)`);
          throw otherConnections;
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failed).toBe(otherConnections);
      // One connection in the pool: this runs only if the failed transaction let it go, rolled back.
      const [row] = rows(await handle.db.execute(sql`select to_regclass('pg_temp.rolled_back') as found`));
      expect(row).toEqual({ found: null });
    } finally {
      await handle.close();
    }
  });
});
