import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { rowsOf } from '../server/db/rows.js';
import { checkStoredOnce } from '../scripts/bench/lib/storedOnce.js';
import { describeOnPostgres } from './support/databases.js';

// The messages benchmark's check that every acknowledged message is in the database exactly
// once: it must see each way of breaking that rule, not only agree when nothing broke.
describeOnPostgres('bench: acknowledged messages stored exactly once', (db) => {
  const sessions: string[] = [];

  beforeAll(async () => {
    const ex = db().handle.db;
    // Four sessions with messages 1..3 (last_seq 3), and a fifth with none.
    const rows = rowsOf<{ id: string }>(
      await ex.execute(sql`
        with c as (
          insert into clients (email, name, phone)
          select 'once.' || g || '@example.com', 'Once ' || g, '+5511' || lpad(g::text, 9, '7') from generate_series(1, 5) as g
          returning id
        ), t as (
          insert into tickets (subject, source, client_id) select 'Chat iniciado - Once', 'chat', id from c returning id, client_id
        )
        insert into chat_sessions (client_id, ticket_id, user_name, user_email, user_phone, resume_token_hash, ticket_created_at, last_seq)
        select client_id, id, 'Once', 'once@example.com', '+5511900000000', md5(id::text), now(), 0 from t
        returning id`),
    );
    sessions.push(...rows.map((row) => row.id).sort());
    await ex.execute(sql`
      insert into chat_messages (session_id, seq, sender_type, body, client_msg_id)
      select s, n, 'client', 'Olá ' || n, gen_random_uuid()::text
      from unnest(${sql.raw(`array['${sessions.slice(0, 4).join("','")}']::uuid[]`)}) as s, generate_series(1, 3) as n`);
    await ex.execute(sql`update chat_sessions set last_seq = 3 where id <> ${sessions[4]}::uuid`);
  });

  const url = () => db().url!;
  const sends = (acked: number[], failed: number[] = [0, 0, 0, 0, 0]) => sessions.map((sessionId, i) => ({ sessionId, acked: acked[i]!, failed: failed[i]! }));

  it('agrees when every ack has its one row', async () => {
    expect(await checkStoredOnce(url(), sends([3, 3, 3, 3, 0]))).toEqual({
      sessions: 5, acked: 12, stored: 12, missing: 0, duplicated: 0, unacknowledged: 0, seqGaps: 0,
    });
  });

  it('counts acks without a row, and rows without an ack unless a send failed', async () => {
    const check = await checkStoredOnce(url(), sends([4, 2, 2, 3, 1], [0, 0, 1, 0, 0]));
    expect(check.missing).toBe(2); // session 1 claims a fourth, session 5 one
    expect(check.unacknowledged).toBe(1); // session 2's third row, acked by nobody; session 3 had a failed send
  });

  it('finds a clientMsgId stored twice and a seq gap', async () => {
    const ex = db().handle.db;
    // The unique index would refuse the second row: gone here, as a regression could take it.
    await ex.execute(sql`drop index chat_messages_session_client_msg_id_key`);
    await ex.execute(sql`
      insert into chat_messages (session_id, seq, sender_type, body, client_msg_id)
      select session_id, 4, 'client', body, client_msg_id from chat_messages where session_id = ${sessions[0]}::uuid and seq = 3`);
    await ex.execute(sql`update chat_sessions set last_seq = 4 where id = ${sessions[0]}::uuid`);
    await ex.execute(sql`delete from chat_messages where session_id = ${sessions[1]}::uuid and seq = 2`);
    const check = await checkStoredOnce(url(), sends([4, 2, 3, 3, 0]));
    expect(check.duplicated).toBe(1);
    expect(check.seqGaps).toBe(1); // session 2: seqs 1 and 3 of last_seq 3
  });
});
