import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedTicketsAndChats } from '../scripts/bench/lib/seedChats.js';
import { describeOnPostgres } from './support/databases.js';

// The agent-queries benchmark measures the unread filter and unreadCount on seeded data: the
// seed must leave the counters the message path keeps, or `unread` matches nothing and the
// benchmark times a walk over every ticket (1.4 s at 1M) instead of the filter.
describeOnPostgres('bench seed: the counters the message path keeps', (db) => {
  let sql: postgres.Sql;

  beforeAll(async () => {
    sql = postgres(db().url!, { max: 1, onnotice: () => {} });
    await seedTicketsAndChats(sql, { tickets: 50, messages: 200 });
  });
  afterAll(async () => {
    await sql.end({ timeout: 1 });
  });

  it("each session's last seq is its last message, each chat ticket counts its customer messages", async () => {
    const sessions = await sql<Array<{ last_seq: number; max_seq: number }>>`
      select s.last_seq, coalesce(max(m.seq), 0)::int as max_seq
      from chat_sessions s left join chat_messages m on m.session_id = s.id group by s.id, s.last_seq`;
    expect(sessions.length).toBe(10);
    for (const session of sessions) expect(session.last_seq).toBe(session.max_seq);
    const tickets = await sql<Array<{ source: string; customer_messages: number; counted: number }>>`
      select t.source, t.customer_messages,
             (select count(*) from chat_sessions s join chat_messages m on m.session_id = s.id
              where s.ticket_id = t.id and m.sender_type = 'client')::int as counted
      from tickets t`;
    expect(tickets.filter((t) => t.source === 'chat' && t.counted > 0).length).toBe(10);
    for (const ticket of tickets) expect(ticket.customer_messages).toBe(ticket.counted);
  });
});
