/**
 * The raw postgres.js baselines (their own process): the statements Atende runs, with no
 * socket, validation or framework, on a pool as large as the node's (20).
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { newContact, rawChatStart, rawMessageInsert } from '../lib/rawBaseline.js';
import { serveCommands } from '../lib/workerCommands.js';

let sql: postgres.Sql | undefined;
let sessions: string[] = [];
const lastSeq = new Map<string, number>();


/** Closed loop: `concurrency` callers each running `op` one after another for `durationMs`. */
async function closedLoop(concurrency: number, durationMs: number, op: (worker: number) => Promise<void>) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const began = performance.now();
  const deadline = began + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await op(worker);
          latencies.push(performance.now() - t);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  return { latencies, errors, firstError, elapsedMs: performance.now() - began };
}

serveCommands({
  async connect(args: { url: string; max?: number }) {
    sql = postgres(args.url, { max: args.max ?? 20, onnotice: () => {} });
    await sql`select 1`;
  },

  /**
   * What `chat:start` runs for a new customer, in one transaction: look the customer up by
   * e-mail and by phone, insert it, open the ticket, the session and the audit row.
   */
  async chatStarts(args: { concurrency: number; durationMs: number }) {
    const db = sql!;
    return closedLoop(args.concurrency, args.durationMs, async () => {
      const c = newContact('raw');
      await rawChatStart(db, c);
    });
  },

  /** Sessions for the message baselines, as chat:start would leave them. */
  async createSessions(args: { count: number }) {
    const db = sql!;
    const rows = await db`
      with c as (
        insert into clients (email, name, phone, total_tickets)
        select 'raw.' || md5(random()::text) || '@example.com', 'Bench', null, 1 from generate_series(1, ${args.count}::int)
        returning id),
      t as (
        insert into tickets (subject, status, source, client_id)
        select 'Chat', 'OPEN', 'chat', id from c returning id, client_id, created_at)
      insert into chat_sessions (client_id, ticket_id, ticket_created_at, user_name, user_email, user_phone, resume_token_hash)
      select client_id, id, created_at, 'Bench', 'b@example.com', '+5511999999999', md5(random()::text) from t
      returning id`;
    sessions = rows.map((row) => row.id as string);
    for (const id of sessions) lastSeq.set(id, 0);
    return sessions.length;
  },

  /** One transaction per message: take the session's next seq under its row lock, insert, commit. */
  async messagesTx(args: { concurrency: number; durationMs: number; sessions?: number }) {
    const db = sql!;
    const used = Math.min(sessions.length, args.sessions ?? sessions.length);
    return closedLoop(args.concurrency, args.durationMs, async (worker) => {
      const sessionId = sessions[worker % used]!;
      await db.begin(async (tx) => {
        const [session] = await tx`update chat_sessions set last_seq = last_seq + 1, last_activity_at = now()
          where id = ${sessionId} and status = 'active' returning last_seq`;
        await tx`insert into chat_messages (session_id, seq, sender_type, sender_name, body, client_msg_id)
          values (${sessionId}, ${session!.last_seq}, 'client', 'Bench', 'Olá, preciso de ajuda com o meu pedido', ${randomUUID()}) returning *`;
      });
    });
  },

  /** One autocommitted INSERT per message, its seq counted here (no lock, no session update). */
  async messagesStatement(args: { concurrency: number; durationMs: number; sessions?: number }) {
    const db = sql!;
    const used = Math.min(sessions.length, args.sessions ?? sessions.length);
    return closedLoop(args.concurrency, args.durationMs, async (worker) => {
      const sessionId = sessions[worker % used]!;
      const seq = lastSeq.get(sessionId)! + 1;
      lastSeq.set(sessionId, seq);
      await rawMessageInsert(db, { sessionId, seq, body: 'Olá, preciso de ajuda com o meu pedido', clientMsgId: randomUUID() });
    });
  },

  async stop() {
    await sql?.end({ timeout: 5 });
  },
});
