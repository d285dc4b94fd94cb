import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
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
import { seedTicketsAndChats } from '../lib/seedChats.js';
import { searchCases, searchPlansSection, type SearchCase } from './searchCases.js';
import { plansOf, timeCalls, WASTED_ROWS, type StatementPlan } from '../lib/queryPlans.js';

export interface AgentQueriesOptions {
  tickets: number;
  messages: number;
  runs: number;
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
    const { sessions } = await seedTicketsAndChats(sql, options);
    const seedSeconds = (performance.now() - seedBegan) / 1000;
    console.log(`  seeded ${options.tickets} tickets, ${sessions} chat sessions, ${options.messages} messages in ${fmt(seedSeconds, 0)} s`);
    const [assignee] = await sql`select id from agents order by id limit 1`;
    const [middle] = await sql`select number, client_id from tickets order by number desc offset ${Math.floor(options.tickets / 2)} limit 1`;
    const clientId = middle!.client_id as string;
    const searches = await searchCases(sql, middle!.number as number);

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
      ...searches.map((search): [string, Partial<TicketListInput>] => [`tickets.list ${search.name}`, search.input]),
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
    const searchPlans: Array<SearchCase & { plans: StatementPlan[] }> = [];
    let worstHotP99 = 0;
    let worstSearchP99 = 0;
    let hotSeqScans = 0;
    const loadBefore = loadavg();
    for (const { name, call, direct } of cases) {
      const latency = await timeCalls(call, options.runs, Math.min(10, options.runs));
      const { statements, scans, plans } = await plansOf(sql, (db) => direct({ db } as ServiceContext));
      const search = searches.find((s) => name === `tickets.list ${s.name}`);
      if (search) {
        searchPlans.push({ ...search, plans });
        worstSearchP99 = Math.max(worstSearchP99, latency.p99);
      } else {
        worstHotP99 = Math.max(worstHotP99, latency.p99);
        hotSeqScans += scans.length;
      }
      rows.push([name, fmt(latency.p50, 2), fmt(latency.p99, 2), statements, scans.length === 0 ? 'none' : [...new Set(scans)].join('; ')]);
      figures[`${name} p99`] = latency.p99;
      console.log(`  ${name.padEnd(46)} p50 ${fmt(latency.p50, 2).padStart(7)} ms  p99 ${fmt(latency.p99, 2).padStart(7)} ms  full scans: ${scans.join('; ') || 'none'}`);
    }
    const loadAfter = loadavg();
    const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');

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
        `plan node discarding ${WASTED_ROWS.toLocaleString('en-US')} rows or more (an index walked end to end under a filter is a scan too). ` +
        'Names, e-mails, phones, subjects and messages are Brazilian names and support-chat Portuguese (scripts/bench/lib/portugueseText.ts), ' +
        'so searches meet realistic word frequencies. The machine is shared: its load average (1, 5, 15 min) was ' +
        `${load(loadBefore)} before the calls and ${load(loadAfter)} after.`,
      sections: [markdownTable(['call', 'p50 ms', 'p99 ms', 'statements', 'full scans in the plans'], rows), searchPlansSection(searchPlans)],
      figures: { ...figures, worstHotP99, worstSearchP99, hotSeqScans, tickets: options.tickets, messages: options.messages },
    };
  } finally {
    await stopAll([server]);
    await sql.end({ timeout: 5 });
    await database.drop();
  }
}
