import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { beginPipelined } from '../server/db/pipelinedTransaction.js';
import { isDatabaseUnavailable } from '../server/errors.js';
import { createPostgresDatabase, type ScratchPostgresDatabase } from '../scripts/dev/postgres.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';

// How long a transaction waits for a connection of the pool (the node's is its connect timeout).
const WAIT_MS = 5000;
const begin = <T>(pool: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<T>) => beginPipelined(pool, '', work, WAIT_MS);

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code?: string },
  );

describe.skipIf(!inject('postgresAvailable'))('transactions whose BEGIN goes out with their first statements', () => {
  let database: ScratchPostgresDatabase;
  let pool: postgres.Sql;
  beforeAll(async () => {
    database = await createPostgresDatabase();
    pool = postgres(database.url, { max: 1, onnotice: () => {} });
    await pool`create table kept (id int primary key)`;
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const kept = async () => (await pool`select id from kept order by id`).map((row) => row.id as number);

  it('commits the work, answers its result, and frees the connection for the next one', async () => {
    await pool`truncate kept`;
    const answer = await begin(pool, async (tx) => {
      await tx.unsafe('insert into kept values (1)');
      return (await tx.unsafe('select count(*)::int as n from kept'))[0]!.n as number;
    });
    expect(answer).toBe(1);
    // One connection in the pool: this runs only if the transaction gave it back.
    expect(await kept()).toEqual([1]);
  });

  it('rolls back on a thrown error, and on a statement that failed unawaited (with that statement’s error)', async () => {
    await pool`truncate kept`;
    const thrown = new Error('the work gave up');
    expect(await failureOf(begin(pool, async (tx) => {
      await tx.unsafe('insert into kept values (1)');
      throw thrown;
    }))).toBe(thrown);

    // As the event log's append is sent: not awaited, COMMIT right behind it.
    const failed = await failureOf(begin(pool, async (tx) => {
      await tx.unsafe('insert into kept values (2)');
      void tx.unsafe('insert into kept values (2)');
    }));
    expect(failed?.code).toBe('23505');
    expect(await kept()).toEqual([]);
  });

  it('a savepoint rolls back alone; the transaction goes on and commits', async () => {
    await pool`truncate kept`;
    await begin(pool, async (tx) => {
      await tx.unsafe('insert into kept values (1)');
      const refused = await failureOf(tx.savepoint(async (inner) => {
        await inner.unsafe('insert into kept values (2)');
        await inner.unsafe('insert into kept values (1)');
      }));
      expect(refused?.code).toBe('23505');
      await tx.unsafe('insert into kept values (3)');
    });
    expect(await kept()).toEqual([1, 3]);
  });

  it('a connection closed while the work runs no statement: the next one fails without being written, and the process lives on', async () => {
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const proxied = postgres(viaProxy.toString(), { max: 1, onnotice: () => {}, onclose: () => closed() });
    const crashes: unknown[] = [];
    const onUncaught = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      let started!: () => void;
      const inTransaction = new Promise<void>((resolve) => (started = resolve));
      const transaction = begin(proxied, async (tx) => {
        await tx.unsafe('select 1');
        started();
        await connectionClosed;
        // postgres.js 3.4.9 would write this on the closed socket and crash from a timer.
        await tx.unsafe('select 2');
      });
      await inTransaction;
      proxy.block();
      const failed = await failureOf(transaction);
      expect(['CONNECTION_CLOSED', 'ECONNRESET']).toContain(failed?.code);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(crashes).toEqual([]);

      proxy.unblock();
      expect(await begin(proxied, async (tx) => (await tx.unsafe('select 3 as three'))[0]!.three)).toBe(3);
    } finally {
      process.off('uncaughtException', onUncaught);
      await proxied.end();
      await proxy.close();
    }
  });
  it('PostgreSQL unreachable: a transaction fails as the database being unavailable, in bounded time, and the pool serves again once it is back', async () => {
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const proxied = postgres(viaProxy.toString(), { max: 2, onnotice: () => {}, connect_timeout: 1 });
    try {
      await proxied`select 1`;
      proxy.block();
      // Each waits for a connection that never opens: none may wait for ever (postgres.js 3.4.9
      // can leave a reserve() waiting while the server is unreachable).
      const failures = await Promise.all(
        Array.from({ length: 4 }, () => failureOf(beginPipelined(proxied, '', async (tx) => tx.unsafe('select 1'), 1500))),
      );
      for (const failure of failures) expect(isDatabaseUnavailable(failure)).toBe(true);

      proxy.unblock();
      let answer: unknown;
      while (answer === undefined) {
        answer = await beginPipelined(proxied, '', async (tx) => (await tx.unsafe('select 4 as four'))[0]!.four, 1500).catch((error: unknown) => {
          if (!isDatabaseUnavailable(error)) throw error;
          return undefined;
        });
      }
      expect(answer).toBe(4);
    } finally {
      await proxied.end();
      await proxy.close();
    }
  });
});
