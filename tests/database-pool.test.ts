import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import type { ChatStarted } from '../shared/chat.js';
import { ADMIN_URL, createPostgresDatabase, postgresAvailable, type ScratchPostgresDatabase } from '../scripts/dev/postgres.js';
import { connectCustomer, requestOk, uniqueContact } from './support/customer.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';

const available = await postgresAvailable();

describe('DATABASE_POOL_SIZE', () => {
  it('defaults to 20 and refuses what is not a positive count, naming the variable', () => {
    expect(loadConfig({}).DATABASE_POOL_SIZE).toBe(20);
    expect(loadConfig({ DATABASE_POOL_SIZE: '4' }).DATABASE_POOL_SIZE).toBe(4);
    for (const bad of ['0', '-1', '2.5', 'many']) {
      expect(() => loadConfig({ DATABASE_POOL_SIZE: bad }), bad).toThrow(/DATABASE_POOL_SIZE/);
    }
  });
});

describe.skipIf(!available)('a node on PostgreSQL holds at most DATABASE_POOL_SIZE connections', () => {
  printNodeOutputOnFailure();
  let database: ScratchPostgresDatabase;
  let node: NodeProcess;
  let admin: postgres.Sql;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    node = await spawnNode({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: '3' });
    admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    await admin?.end();
    await database?.drop();
  });

  it('twenty chats started at once are all served through three connections', async () => {
    const name = new URL(database.url).pathname.slice(1);
    const sockets = await Promise.all(Array.from({ length: 20 }, () => connectCustomer(node.url)));
    let most = 0;
    let starting = true;
    const watching = (async () => {
      while (starting) {
        const [row] = await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${name}`;
        most = Math.max(most, row!.n);
      }
    })();
    try {
      const started = await Promise.all(
        sockets.map((socket) => {
          const contact = uniqueContact();
          return requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
        }),
      );
      expect(new Set(started.map((chat) => chat.ticketNumber)).size).toBe(20);
    } finally {
      starting = false;
      await watching;
      for (const socket of sockets) socket.disconnect();
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
  });
});
