import { randomBytes } from 'node:crypto';
import { createTRPCClient, httpLink } from '@trpc/client';
import postgres from 'postgres';
import type { Database } from '../../../server/db/client.js';
import { migratePostgresDatabase } from '../../../server/db/migrate.js';
import type { ServiceContext } from '../../../server/services/context.js';
import { metricsSummary } from '../../../server/services/metrics/metricsSummary.js';
import { metricsTimeseries } from '../../../server/services/metrics/metricsTimeseries.js';
import type { AppRouter } from '../../../server/trpc/appRouter.js';
import type { MetricsTimeseriesInput } from '../../../shared/agentSchemas.js';
import { fmt, markdownTable } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, stopAll, type ServerWorker } from '../lib/services.js';
import { plansOf, timeCalls } from '../lib/queryPlans.js';
import { seedAgentsAndCustomers } from '../lib/seed.js';

export interface ReportsOptions {
  /** Tickets spread evenly over the year before now. */
  tickets: number;
  runs: number;
}

const YEAR_SECONDS = 365 * 86_400;
const ZONE = 'America/Sao_Paulo';

/**
 * A year of tickets, all in SQL: every source and status, one customer per five tickets, a
 * chat session per chat ticket, and per session the customer's first message and (six in
 * seven) an agent's answer up to five minutes later; the seventh ended unanswered.
 */
export async function seedReports(sql: postgres.Sql, tickets: number) {
  const customers = Math.max(10, Math.floor(tickets / 5));
  await seedAgentsAndCustomers(sql, customers);
  await sql`
    with c as (select id, row_number() over (order by id) as rn from clients),
         a as (select id, row_number() over (order by id) as rn from agents)
    insert into tickets (subject, status, source, category, client_id, assignee_id, created_at, returning_client)
    select 'Ticket ' || i,
           (array['OPEN', 'PENDING', 'RESOLVED', 'CLOSED'])[1 + i % 4],
           (array['chat', 'email', 'phone', 'web', 'api'])[1 + i % 5],
           'Chat Support', c.id,
           case when i % 3 = 0 then a.id end,
           now() - make_interval(secs => (${tickets}::int - i) * ${YEAR_SECONDS / tickets}::float8),
           -- Customer 1 + i % customers: its first ticket is among the first \`customers\`.
           i > ${customers}::int
    from generate_series(1, ${tickets}::int) i
    join c on c.rn = 1 + i % ${customers}::int
    join a on a.rn = 1 + i % 20`;
  // The sessions' first-response facts as the message writes keep them, then those messages.
  await sql`insert into chat_sessions (client_id, ticket_id, ticket_created_at, user_name, user_email, user_phone, resume_token_hash, status, unanswered, started_at, ended_at,
                                       first_customer_message_at, first_agent_reply_at)
    select client_id, id, created_at, 'Customer', 'c@bench.example', '+5511900000000', md5(id::text), 'closed', number % 7 = 0, created_at, created_at + interval '10 minutes',
           created_at, case when number % 7 <> 0 then created_at + make_interval(secs => 5 + number % 300) end
    from tickets where source = 'chat'`;
  await sql`insert into chat_messages (session_id, seq, sender_type, body, created_at)
    select s.id, 1, 'client', 'Olá', s.first_customer_message_at from chat_sessions s`;
  await sql`insert into chat_messages (session_id, seq, sender_type, body, created_at)
    select s.id, 2, 'agent', 'Bom dia', s.first_agent_reply_at from chat_sessions s where s.first_agent_reply_at is not null`;
  await sql`analyze`;
}

/**
 * `metrics.timeseries` at the sizes of a busy team (PROTOCOL §12): a year of tickets, and the
 * Reports page's calls over the last 30 days — day buckets, hour buckets, and the summary it
 * shows beside them — over HTTP, with the plans of their statements.
 */
export async function runReports(options: ReportsOptions): Promise<ScenarioReport> {
  const database = await createPostgresDatabase();
  const token = `bench-admin-${randomBytes(12).toString('hex')}`;
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  let server: ServerWorker | undefined;
  try {
    await migratePostgresDatabase(database.url);
    const seedBegan = performance.now();
    await seedReports(sql, options.tickets);
    const seedSeconds = (performance.now() - seedBegan) / 1000;
    const [{ inWindow }] = (await sql`select count(*)::int as "inWindow" from tickets where created_at >= now() - interval '30 days'`) as unknown as [{ inWindow: number }];
    console.log(`  seeded ${options.tickets} tickets over a year (${inWindow} in the last 30 days) in ${fmt(seedSeconds, 0)} s`);

    server = await startAtende({ DATABASE_URL: database.url, ADMIN_TOKEN: token, TZ: ZONE });
    const api = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${server.ready.url}/trpc`, headers: { Authorization: `Bearer ${token}` } })],
    });
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const range = { from: from.toISOString(), to: to.toISOString() };
    const directCtx = (db: Database) => ({ db, policy: { timeZone: ZONE } }) as unknown as ServiceContext;
    const series = (bucket: 'day' | 'hour'): MetricsTimeseriesInput => ({ ...range, bucket, timeZone: ZONE });
    const cases: Array<{ name: string; call: () => Promise<unknown>; direct: (ctx: ServiceContext) => Promise<unknown> }> = [
      { name: 'metrics.timeseries 30 days by day', call: () => api.metrics.timeseries.query(series('day')), direct: (ctx) => metricsTimeseries(series('day'), ctx) },
      { name: 'metrics.timeseries 30 days by hour', call: () => api.metrics.timeseries.query(series('hour')), direct: (ctx) => metricsTimeseries(series('hour'), ctx) },
      { name: 'metrics.summary 30 days', call: () => api.metrics.summary.query(range), direct: (ctx) => metricsSummary(range, ctx) },
    ];

    const rows: Array<Array<string | number>> = [];
    const figures: Record<string, number> = {};
    for (const { name, call, direct } of cases) {
      const latency = await timeCalls(call, options.runs, Math.min(5, options.runs));
      const { statements, scans } = await plansOf(sql, (db) => direct(directCtx(db)));
      rows.push([name, fmt(latency.p50, 1), fmt(latency.p99, 1), statements, scans.length === 0 ? 'none' : [...new Set(scans)].join('; ')]);
      figures[`${name} p50`] = latency.p50;
      figures[`${name} p99`] = latency.p99;
      console.log(`  ${name.padEnd(36)} p50 ${fmt(latency.p50, 1).padStart(7)} ms  p99 ${fmt(latency.p99, 1).padStart(7)} ms  full scans: ${scans.join('; ') || 'none'}`);
    }

    return {
      id: 'reports',
      title: '6. Reports',
      method:
        `A fresh PostgreSQL database seeded in SQL with ${options.tickets.toLocaleString('en-US')} tickets spread evenly over the last year ` +
        `(${inWindow.toLocaleString('en-US')} of them in the last 30 days; every source and status), a chat session per chat ticket with the ` +
        `customer's first message and, six times in seven, an agent's answer (the seventh ended unanswered), then ANALYZE (seeding took ` +
        `${fmt(seedSeconds, 0)} s). Each call of the Reports page over the last 30 days in ${ZONE} is made ${options.runs} times, one at a time, ` +
        'over HTTP after 5 warm-up calls; plans as in scenario 4.',
      sections: [markdownTable(['call', 'p50 ms', 'p99 ms', 'statements', 'full scans in the plans'], rows)],
      figures: { ...figures, tickets: options.tickets, ticketsIn30Days: inWindow },
    };
  } finally {
    await stopAll([server]);
    await sql.end({ timeout: 5 });
    await database.drop();
  }
}
