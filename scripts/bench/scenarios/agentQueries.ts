import { randomBytes } from 'node:crypto';
import { createTRPCClient, httpLink } from '@trpc/client';
import postgres from 'postgres';
import { migratePostgresDatabase } from '../../../server/db/migrate.js';
import type { ServiceContext } from '../../../server/services/context.js';
import { getCustomerHistory } from '../../../server/services/customers/readCustomers.js';
import { listTickets } from '../../../server/services/tickets/listTickets.js';
import type { AgentRow } from '../../../server/db/schema.js';
import type { AppRouter } from '../../../server/trpc/appRouter.js';
import type { TicketListInput } from '../../../shared/agentSchemas.js';
import { fmt, markdownTable } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, stopAll, type ServerWorker } from '../lib/services.js';
import { seedAgentsAndCustomers } from '../lib/seed.js';
import { plansOf, timeCalls, WASTED_ROWS } from '../lib/queryPlans.js';

export interface AgentQueriesOptions {
  tickets: number;
  messages: number;
  runs: number;
}

// The tables the hot paths read; a sequential scan of any of them grows with the data.

/** Seeds customers (one per 5 tickets), tickets of every source, a chat session per chat ticket, messages over them. */
async function seed(sql: postgres.Sql, options: AgentQueriesOptions) {
  const customers = Math.max(10, Math.floor(options.tickets / 5));
  await seedAgentsAndCustomers(sql, customers);
  await sql`
    with c as (select id, row_number() over (order by id) as rn from clients),
         a as (select id, row_number() over (order by id) as rn from agents)
    insert into tickets (subject, status, source, category, client_id, assignee_id, created_at)
    select 'Ticket ' || i || ' ' || md5(i::text),
           (array['OPEN', 'PENDING', 'RESOLVED', 'CLOSED'])[1 + i % 4],
           (array['chat', 'email', 'phone', 'web', 'api'])[1 + i % 5],
           'Chat Support', c.id,
           case when i % 3 = 0 then a.id end,
           now() - make_interval(secs => ${options.tickets}::int - i)
    from generate_series(1, ${options.tickets}::int) i
    join c on c.rn = 1 + i % ${customers}::int
    join a on a.rn = 1 + i % 20`;
  await sql`insert into chat_sessions (client_id, ticket_id, ticket_created_at, user_name, user_email, user_phone, resume_token_hash, status, started_at)
    select client_id, id, created_at, 'Customer', 'c@bench.example', '+5511900000000', md5(id::text), 'closed', created_at
    from tickets where source = 'chat'`;
  const [{ sessions }] = (await sql`select count(*)::int as sessions from chat_sessions`) as unknown as [{ sessions: number }];
  await sql`
    with s as (select id, row_number() over (order by id) as rn from chat_sessions)
    insert into chat_messages (session_id, seq, sender_type, body)
    select s.id, i / ${sessions}::int + 1, (array['client', 'agent'])[1 + i % 2], 'Mensagem ' || i
    from generate_series(0, ${options.messages}::int - 1) i
    join s on s.rn = 1 + i % ${sessions}::int`;
  await sql`analyze`;
  return { customers, sessions };
}

/**
 * `tickets.list` (each filter) and `clients.history` over HTTP against a seeded database, and
 * the plan of every SQL statement behind them (captured by running the same service code with
 * a logging Drizzle, then EXPLAINed): any sequential scan of a big table is reported.
 */
export async function runAgentQueries(options: AgentQueriesOptions): Promise<ScenarioReport> {
  const database = await createPostgresDatabase();
  const token = `bench-admin-${randomBytes(12).toString('hex')}`;
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  let server: ServerWorker | undefined;
  try {
    await migratePostgresDatabase(database.url);
    const seedBegan = performance.now();
    const { sessions } = await seed(sql, options);
    const seedSeconds = (performance.now() - seedBegan) / 1000;
    console.log(`  seeded ${options.tickets} tickets, ${sessions} chat sessions, ${options.messages} messages in ${fmt(seedSeconds, 0)} s`);
    const [client] = await sql`select id from clients where email = 'c7@bench.example'`;
    const [assignee] = await sql`select id from agents order by id limit 1`;
    const [middle] = await sql`select number from tickets order by number desc offset ${Math.floor(options.tickets / 2)} limit 1`;
    const clientId = client!.id as string;

    server = await startAtende({ DATABASE_URL: database.url, ADMIN_TOKEN: token });
    const api = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${server.ready.url}/trpc`, headers: { Authorization: `Bearer ${token}` } })],
    });
    let deepCursor: string | null = null;
    for (let page = 0; page < 40; page++) deepCursor = (await api.tickets.list.query({ limit: 100, cursor: deepCursor })).nextCursor;

    const lists: Array<[string, Partial<TicketListInput>]> = [
      ['tickets.list newest', {}],
      ['tickets.list source=chat', { source: 'chat' }],
      ['tickets.list status=OPEN', { status: 'OPEN' }],
      ['tickets.list source=email status=PENDING', { source: 'email', status: 'PENDING' }],
      ['tickets.list clientId', { clientId }],
      ['tickets.list assigneeId', { assigneeId: assignee!.id as string }],
      ['tickets.list assigneeId=none', { assigneeId: 'none' }],
      ['tickets.list assigneeId=none unread', { assigneeId: 'none', unread: true }],
      ['tickets.list page 41 (cursor)', { cursor: deepCursor ?? undefined }],
      ['tickets.list q=#number', { q: `#${middle!.number}` }],
      ['tickets.list q=e-mail (free text)', { q: 'c4242@bench.example' }],
    ];
    const cases: Array<{ name: string; call: () => Promise<unknown>; direct: (ctx: ServiceContext) => Promise<unknown> }> = [
      ...lists.map(([name, input]) => ({
        name,
        call: () => api.tickets.list.query(input),
        // listTickets reads only the reader's id (its read marks); the benchmark reads as the first agent.
        direct: (ctx: ServiceContext) => listTickets({ limit: 25, ...input } as TicketListInput, { id: assignee!.id as string } as AgentRow, ctx),
      })),
      { name: 'clients.history', call: () => api.clients.history.query({ id: clientId }), direct: (ctx) => getCustomerHistory(clientId, ctx) },
    ];

    const rows: Array<Array<string | number>> = [];
    const figures: Record<string, number> = {};
    let worstHotP99 = 0;
    let hotSeqScans = 0;
    for (const { name, call, direct } of cases) {
      // The free-text search scans by design (see the analysis): fewer calls keep the run short.
      const runs = name.includes('free text') ? Math.max(3, Math.ceil(options.runs / 20)) : options.runs;
      const latency = await timeCalls(call, runs, Math.min(10, runs));
      const { statements, scans } = await plansOf(sql, (db) => direct({ db } as ServiceContext));
      const freeText = name.includes('free text');
      if (!freeText) {
        worstHotP99 = Math.max(worstHotP99, latency.p99);
        hotSeqScans += scans.length;
      }
      rows.push([name, fmt(latency.p50, 2), fmt(latency.p99, 2), statements, scans.length === 0 ? 'none' : [...new Set(scans)].join('; ')]);
      figures[`${name} p99`] = latency.p99;
      console.log(`  ${name.padEnd(42)} p50 ${fmt(latency.p50, 2).padStart(7)} ms  p99 ${fmt(latency.p99, 2).padStart(7)} ms  full scans: ${scans.join('; ') || 'none'}`);
    }

    return {
      id: 'agent-queries',
      title: '4. Agent queries',
      method:
        `A fresh PostgreSQL database seeded with ${options.tickets.toLocaleString('en-US')} tickets (every source and status, one customer per ` +
        `five tickets, a third assigned), a chat session per chat ticket (${sessions.toLocaleString('en-US')}) and ` +
        `${options.messages.toLocaleString('en-US')} messages over them, then ANALYZE (seeding took ${fmt(seedSeconds, 0)} s). Each call ` +
        `is made ${options.runs} times, one at a time, over HTTP with the typed tRPC client (no batching) after 10 warm-up calls. ` +
        'Plans: the same service code runs once more on a logging Drizzle; each statement it sends is run under EXPLAIN ANALYZE ' +
        `with its parameters, and listed are a Seq Scan of tickets, clients, chat_sessions, chat_messages or ticket_events, and any ` +
        `plan node discarding ${WASTED_ROWS.toLocaleString('en-US')} rows or more (an index walked end to end under a filter is a scan too).`,
      sections: [markdownTable(['call', 'p50 ms', 'p99 ms', 'statements', 'full scans in the plans'], rows)],
      figures: { ...figures, worstHotP99, hotSeqScans, tickets: options.tickets, messages: options.messages },
    };
  } finally {
    await stopAll([server]);
    await sql.end({ timeout: 5 });
    await database.drop();
  }
}
