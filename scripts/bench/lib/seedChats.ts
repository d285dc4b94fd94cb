import type postgres from 'postgres';
import { AGENT_LINES, CITIES, CUSTOMER_LINES, PRODUCTS, SUBJECTS } from './portugueseText.js';
import { hashOf, seedAgentsAndCustomers } from './seed.js';

/** `replace(template, '{p}', product)…`: a template of portugueseText.ts filled in per row. */
function filled(sql: postgres.Sql, template: postgres.Fragment, i: postgres.Fragment) {
  const product = sql`(${sql.array(PRODUCTS)}::text[])[1 + (${hashOf(sql, i, 11)} % ${PRODUCTS.length})::int]`;
  const city = sql`(${sql.array(CITIES)}::text[])[1 + (${hashOf(sql, i, 12)} % ${CITIES.length})::int]`;
  const order = sql`(100000 + ${hashOf(sql, i, 13)} % 900000)::text`;
  return sql`replace(replace(replace(${template}, '{p}', ${product}), '{c}', ${city}), '{n}', ${order})`;
}

/**
 * Seeds customers (one per 5 tickets), tickets of every source (chat ones titled as a chat
 * start titles them, the others with support subjects), a chat session per chat ticket, and the
 * messages: each session's in one run, customer and agent lines taking turns (portugueseText.ts),
 * stored in ticket order as chats are, so a session's messages share pages; then the sessions'
 * last seq and the tickets' customer-message counters, as the message path keeps them.
 */
export async function seedTicketsAndChats(sql: postgres.Sql, options: { tickets: number; messages: number }) {
  // As for any bulk load, the search indexes (GIN) are built once at the end, not row by row.
  const searchIndexes = await sql<Array<{ name: string; definition: string }>>`
    select indexname as name, indexdef as definition from pg_indexes
    where schemaname = current_schema() and (indexname like '%\_search\_idx' or indexname like '%\_trgm\_idx')`;
  for (const { name } of searchIndexes) await sql`drop index ${sql(name)}`;
  const customers = Math.max(10, Math.floor(options.tickets / 5));
  await seedAgentsAndCustomers(sql, customers);
  const subject = sql`(${sql.array(SUBJECTS)}::text[])[1 + (${hashOf(sql, sql`i`, 21)} % ${SUBJECTS.length})::int]`;
  await sql`
    with c as (select id, name, row_number() over (order by id) as rn from clients),
         a as (select id, row_number() over (order by id) as rn from agents)
    insert into tickets (subject, status, source, category, client_id, assignee_id, created_at)
    select case when i % 5 = 0 then 'Chat iniciado - ' || c.name else ${filled(sql, subject, sql`i`)} end,
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
    from tickets where source = 'chat' order by number`;
  const [{ sessions }] = (await sql`select count(*)::int as sessions from chat_sessions`) as unknown as [{ sessions: number }];
  const perSession = Math.max(1, Math.ceil(options.messages / sessions));
  const line = sql`case when i % ${perSession}::int % 2 = 0
      then (${sql.array(CUSTOMER_LINES)}::text[])[1 + (${hashOf(sql, sql`i`, 31)} % ${CUSTOMER_LINES.length})::int]
      else (${sql.array(AGENT_LINES)}::text[])[1 + (${hashOf(sql, sql`i`, 32)} % ${AGENT_LINES.length})::int] end`;
  await sql`
    with s as (select cs.id, row_number() over (order by t.number) as rn from chat_sessions cs join tickets t on t.id = cs.ticket_id)
    insert into chat_messages (session_id, seq, sender_type, body)
    select s.id, i % ${perSession}::int + 1, case when i % ${perSession}::int % 2 = 0 then 'client' else 'agent' end, ${filled(sql, line, sql`i`)}
    from generate_series(0, ${options.messages}::int - 1) i
    join s on s.rn = 1 + i / ${perSession}::int`;
  // The counters the message path keeps: each session's last seq, each chat ticket's customer
  // messages (what the unread filter and unreadCount compare read marks against).
  await sql`
    with counted as (
      select session_id, max(seq) as last_seq, count(*) filter (where sender_type = 'client')::int as customer
      from chat_messages group by session_id
    ), sessions as (
      update chat_sessions s set last_seq = counted.last_seq from counted where s.id = counted.session_id
      returning s.ticket_id, counted.customer
    )
    update tickets t set customer_messages = sessions.customer from sessions where t.id = sessions.ticket_id`;
  await sql`set maintenance_work_mem = '256MB'`;
  for (const { definition } of searchIndexes) await sql.unsafe(definition);
  await sql`analyze`;
  return { customers, sessions };
}
