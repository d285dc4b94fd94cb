import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrationsFolder } from '../server/db/migrate.js';
import { pgliteExtensions } from '../server/db/pgliteExtensions.js';
import { createPostgresDatabase } from '../scripts/dev/postgres.js';

/**
 * Migration 0010_reports_facts against rows written the old way (before it, with no
 * first-response columns on chat_sessions and no returning_client on tickets): it fills each
 * session's ticket_created_at and its first-response facts from its messages, and every
 * session reports the first response the reports computed from the messages before — but in
 * the two cases where seq order and timestamps disagree, where seq order (the thread's order,
 * PROTOCOL §2) now decides; and it marks the tickets of returning customers so that
 * `returningClients` counts what it counted before, over any range.
 */

const MIGRATION = '0010_reports_facts';
const BASE = Date.parse('2024-05-01T12:00:00Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

type Sender = 'client' | 'agent' | 'bot' | 'system';
interface Case {
  /** Messages in seq order: who, and when (seconds after BASE). */
  messages: Array<[Sender, number]>;
  /** The facts the migration must write, in seconds after BASE (null: none). */
  customer: number | null;
  reply: number | null;
  /** What the reports computed before, when it differs from reply − customer. */
  before?: number | null;
}

const CASES: Record<string, Case> = {
  answered: { messages: [['client', 0], ['agent', 30]], customer: 0, reply: 30 },
  'greeted before the customer wrote': { messages: [['agent', -10], ['client', 0], ['agent', 120]], customer: 0, reply: 120 },
  'the bot first, then an agent': { messages: [['client', 0], ['bot', 5], ['agent', 60], ['client', 70], ['agent', 80]], customer: 0, reply: 60 },
  'agents only': { messages: [['agent', 0], ['system', 1]], customer: null, reply: null },
  'the customer only': { messages: [['client', 0], ['client', 10]], customer: 0, reply: null },
  'no messages': { messages: [], customer: null, reply: null },
  // One transaction stamps its messages alike: the agent's came first, so it answers nothing;
  // the reports used to count it as an answer in 0 ms.
  'an agent message and then the customer, in one transaction': {
    messages: [['agent', 0], ['client', 0], ['agent', 50]],
    customer: 0,
    reply: 50,
    before: 0,
  },
  // A reply whose transaction began a moment before the customer's committed: after it in the
  // thread, so the answer, in 0 ms; the reports used to skip it for the next one.
  'a reply stamped a moment before the customer message it follows': {
    messages: [['client', 10], ['agent', 9.999], ['agent', 40]],
    customer: 10,
    reply: 10,
    before: 30_000,
  },
};

/** The reports' first response before this migration, from the messages (chat_messages). */
const BEFORE_SQL = `
  select s.id, extract(epoch from (first_agent.at - first_customer.at)) * 1000 as response_ms
  from chat_sessions s
  cross join lateral (
    select min(m.created_at) as at from chat_messages m where m.session_id = s.id and m.sender_type = 'client'
  ) first_customer
  cross join lateral (
    select min(m.created_at) as at from chat_messages m
    where m.session_id = s.id and m.sender_type = 'agent' and m.created_at >= first_customer.at
  ) first_agent`;

/** `returningClients` before this migration, over [from, to). */
const returningBefore = (from: string, to: string) => `
  with active as (select distinct client_id from tickets where created_at >= '${from}' and created_at < '${to}')
  select count(*)::int as n from active
  where (select count(*) from tickets t where t.client_id = active.client_id and t.created_at < '${to}') > 1`;
const returningNow = (from: string, to: string) => `
  select count(distinct client_id)::int as n from tickets where created_at >= '${from}' and created_at < '${to}' and returning_client`;

// Other customers' tickets, inserted (numbered) in this order, with these creation times: B's
// first-numbered ticket is its latest; two of its tickets share an instant (number decides).
const OTHER_TICKETS: Array<[customer: 'B' | 'C', seconds: number, returning: boolean]> = [
  ['B', 100, true],
  ['B', 50, false],
  ['B', 50, true],
  ['C', 70, false],
];
const RANGES: Array<[number, number]> = [
  [-4000, 0],
  [-4000, -3000],
  [-70, -60],
  [40, 60],
  [60, 120],
  [50, 51],
  [0, 200],
  [-4000, 200],
];

/** The migrations folder as it was before MIGRATION: its files, and a journal that stops before it. */
function migrationsBefore(dir: string): string {
  cpSync(migrationsFolder(), dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
  const index = journal.entries.findIndex((entry) => entry.tag === MIGRATION);
  expect(index).toBeGreaterThan(0);
  writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, index) }));
  return dir;
}

/** Rows as the code before MIGRATION wrote them: a customer, one chat ticket per case, a session each (and a second chat). */
function oldRowsSql(): string {
  const statements = [
    `insert into clients (id, email, name, total_tickets) values ('00000000-0000-4000-8000-000000000001', 'old@example.com', 'Old', 2)`,
  ];
  const session = (id: string, ticketId: string, messages: Array<[Sender, number]>) => {
    statements.push(`insert into chat_sessions (id, client_id, ticket_id, user_name, user_email, user_phone, resume_token_hash, status, last_seq)
      values ('${id}', '00000000-0000-4000-8000-000000000001', '${ticketId}', 'Old', 'old@example.com', '+5511999999999', 'x', 'closed', ${messages.length})`);
    messages.forEach(([sender, seconds], i) =>
      statements.push(`insert into chat_messages (session_id, seq, sender_type, body, created_at) values ('${id}', ${i + 1}, '${sender}', 'm', '${at(seconds)}')`),
    );
  };
  Object.values(CASES).forEach((c, i) => {
    const ticketId = `00000000-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`;
    statements.push(`insert into tickets (id, subject, source, client_id, created_at) values ('${ticketId}', 'old chat', 'chat', '00000000-0000-4000-8000-000000000001', '${at(-60 - i)}')`);
    session(sessionId(i), ticketId, c.messages);
  });
  statements.push(`insert into clients (id, email, total_tickets) values ('00000000-0000-4000-8000-00000000000b', 'b@example.com', 3)`);
  statements.push(`insert into clients (id, email, total_tickets) values ('00000000-0000-4000-8000-00000000000c', 'c@example.com', 1)`);
  OTHER_TICKETS.forEach(([customer, seconds], i) =>
    statements.push(`insert into tickets (id, subject, source, client_id, created_at)
      values ('00000000-0000-4000-8000-5000000000${String(i).padStart(2, '0')}', 'other', 'email', '00000000-0000-4000-8000-00000000000${customer.toLowerCase()}', '${at(seconds)}')`),
  );
  // A ticket with two chats: each session has its own first response.
  const twoChats = '00000000-0000-4000-8000-200000000000';
  statements.push(`insert into tickets (id, subject, source, client_id, created_at) values ('${twoChats}', 'two chats', 'chat', '00000000-0000-4000-8000-000000000001', '${at(-3600)}')`);
  session('00000000-0000-4000-8000-300000000001', twoChats, [['client', 0], ['agent', 20]]);
  session('00000000-0000-4000-8000-300000000002', twoChats, [['client', 3600], ['bot', 3601], ['agent', 3700]]);
  return statements.join(';\n');
}
const sessionId = (i: number) => `00000000-0000-4000-8000-4000000000${String(i).padStart(2, '0')}`;

interface Driver {
  name: 'pglite' | 'postgres';
  open(): Promise<{ migrate(folder: string): Promise<void>; run(text: string): Promise<Array<Record<string, unknown>>>; close(): Promise<void> }>;
}

const DRIVERS: Driver[] = [
  {
    name: 'pglite',
    async open() {
      const client = new PGlite({ extensions: pgliteExtensions });
      await client.waitReady;
      return {
        migrate: (folder) => migratePglite(drizzlePglite(client), { migrationsFolder: folder }),
        run: async (text) => {
          const results = await client.exec(text);
          return (results.at(-1)?.rows ?? []) as Array<Record<string, unknown>>;
        },
        close: () => client.close(),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const database = await createPostgresDatabase();
      const client = postgres(database.url, { max: 1, onnotice: () => {} });
      return {
        migrate: (folder) => migratePostgres(drizzlePostgres(client), { migrationsFolder: folder }),
        run: async (text) => {
          const results = (await client.unsafe(text).simple()) as unknown as Array<Record<string, unknown>> | Array<Array<Record<string, unknown>>>;
          const last = Array.isArray(results[0]) ? (results.at(-1) as Array<Record<string, unknown>>) : (results as Array<Record<string, unknown>>);
          return [...(last ?? [])];
        },
        async close() {
          await client.end({ timeout: 5 });
          await database.drop();
        },
      };
    },
  },
];

for (const driver of DRIVERS) {
  describe.skipIf(driver.name === 'postgres' && !inject('postgresAvailable'))(`migration ${MIGRATION} [${driver.name}]`, () => {
    let db: Awaited<ReturnType<Driver['open']>>;
    let dir: string;
    const before = new Map<string, number | null>();
    const returning = new Map<string, number>();
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'atende-migrations-'));
      db = await driver.open();
      await db.migrate(migrationsBefore(dir));
      await db.run(oldRowsSql());
      for (const row of await db.run(BEFORE_SQL)) before.set(String(row.id), row.response_ms === null ? null : Number(row.response_ms));
      for (const [from, to] of RANGES) returning.set(`${from} ${to}`, Number((await db.run(returningBefore(at(from), at(to))))[0]!.n));
      await db.migrate(migrationsFolder());
    });
    afterAll(async () => {
      await db?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const sessions = async () =>
      new Map(
        (
          await db.run(`select s.id, s.ticket_created_at, t.created_at as ticket_at, s.first_customer_message_at, s.first_agent_reply_at
            from chat_sessions s join tickets t on t.id = s.ticket_id`)
        ).map((row) => [String(row.id), row]),
      );
    const time = (value: unknown) => (value === null ? null : new Date(value as string | Date).getTime());

    it('fills every session from its messages, in seq order', async () => {
      const rows = await sessions();
      Object.entries(CASES).forEach(([name, c], i) => {
        const row = rows.get(sessionId(i))!;
        expect({ customer: time(row.first_customer_message_at), reply: time(row.first_agent_reply_at) }, name).toEqual({
          customer: c.customer === null ? null : Date.parse(at(c.customer)),
          reply: c.reply === null ? null : Date.parse(at(c.reply)),
        });
      });
      expect(time(rows.get('00000000-0000-4000-8000-300000000002')!.first_agent_reply_at)).toBe(Date.parse(at(3700)));
    });

    it("keeps each session's ticket creation time", async () => {
      const rows = [...(await sessions()).values()];
      expect(rows).toHaveLength(Object.keys(CASES).length + 2);
      for (const row of rows) expect(time(row.ticket_created_at)).toBe(time(row.ticket_at));
    });

    it("marks all but each customer's first ticket by creation time, and returningClients counts as before", async () => {
      const flags = await db.run(`select id, returning_client from tickets where id::text like '00000000-0000-4000-8000-5%' order by id`);
      expect(flags.map((row) => row.returning_client)).toEqual(OTHER_TICKETS.map(([, , flag]) => flag));
      // The first customer's first ticket is the two-chat one (created an hour before the others).
      const first = await db.run(`select count(*) filter (where not returning_client)::int as n, count(*)::int as total from tickets
        where client_id = '00000000-0000-4000-8000-000000000001'`);
      expect(first[0]).toMatchObject({ n: 1, total: Object.keys(CASES).length + 1 });
      for (const [from, to] of RANGES) {
        expect(Number((await db.run(returningNow(at(from), at(to))))[0]!.n), `${from} ${to}`).toBe(returning.get(`${from} ${to}`));
      }
      expect(new Set(returning.values()).size).toBeGreaterThan(2);
    });

    it('old sessions report the first response they reported before, but where seq order now decides', async () => {
      const rows = await sessions();
      for (const [id, row] of rows) {
        const customer = time(row.first_customer_message_at);
        const reply = time(row.first_agent_reply_at);
        const now = customer === null || reply === null ? null : reply - customer;
        const index = Object.keys(CASES).findIndex((_, i) => sessionId(i) === id);
        const c = index < 0 ? undefined : Object.values(CASES)[index]!;
        expect(now, id).toBe(c?.before !== undefined ? (c.reply! - c.customer!) * 1000 : before.get(id));
        if (c?.before !== undefined) expect(before.get(id), id).toBe(c.before);
      }
    });
  });
}
