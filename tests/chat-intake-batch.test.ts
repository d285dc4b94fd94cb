import { inArray, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { chatSessions, clients, ticketEvents, tickets } from '../server/db/schema.js';
import { startChat } from '../server/services/chat/startChat.js';
import { identityHash } from '../server/services/identity.js';
import type { AgentEvent } from '../shared/events.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useTestNode } from './support/suite.js';

const SECRET = 'host-site-shared-secret-intake-batch';

/** Chat starts (ok) and transactions (`atende_db_transaction_duration_seconds`) of the node so far. */
async function chatStartTransactions(metrics: { dbTransactionDuration: { get(): Promise<{ values: Array<{ metricName?: string; labels: Record<string, unknown>; value: number }> }> } }) {
  const { values } = await metrics.dbTransactionDuration.get();
  const count = (outcome: string) =>
    values.find((v) => v.metricName?.endsWith('_count') && v.labels.operation === 'chat_start' && v.labels.outcome === outcome)?.value ?? 0;
  return { ok: count('ok'), error: count('error') };
}

describeOnEachDriver('intake group commit (chat starts sharing a transaction)', (db) => {
  const node = useTestNode(db, { IDENTITY_SECRET: SECRET });

  const visitor = (name: string) => {
    const contact = uniqueContact(name);
    return { name: contact.name, email: contact.email, phone: contact.e164 };
  };

  it('40 simultaneous starts commit in fewer transactions, each chat whole and its events once, without a gap', async () => {
    const before = await chatStartTransactions(node().ctx.metrics);
    const heard: AgentEvent[] = [];
    const unsubscribe = node().ctx.bus.subscribe((event) => heard.push(event));
    const inputs = Array.from({ length: 40 }, (_, i) => ({ ...visitor(`Lote ${i}`), ...(i % 4 === 0 ? { message: `Olá ${i}` } : {}) }));
    const results = await Promise.all(inputs.map((input) => startChat(input, node().ctx)));
    unsubscribe();
    const after = await chatStartTransactions(node().ctx.metrics);
    expect(after.ok - before.ok).toBeLessThan(40);
    expect(after.error - before.error).toBe(0);

    const database = db().handle.db;
    const ticketIds = results.map((r) => r.chat.ticketId);
    const ticketRows = await database.select().from(tickets).where(inArray(tickets.id, ticketIds));
    expect(ticketRows).toHaveLength(40);
    const sessionRows = await database.select().from(chatSessions).where(inArray(chatSessions.ticketId, ticketIds));
    expect(sessionRows.map((s) => s.id).sort()).toEqual(results.map((r) => r.chat.sessionId).sort());
    results.forEach((r, i) => {
      const session = sessionRows.find((s) => s.id === r.chat.sessionId)!;
      expect(session).toMatchObject({ ticketId: r.chat.ticketId, clientId: r.chat.clientId, userEmail: inputs[i]!.email, lastSeq: i % 4 === 0 ? 1 : 0 });
    });
    const customers = await database.select().from(clients).where(inArray(clients.id, results.map((r) => r.chat.clientId)));
    expect(customers).toHaveLength(40);
    const audits = await database.select().from(ticketEvents).where(inArray(ticketEvents.ticketId, ticketIds));
    expect(audits.filter((a) => a.type === 'ticket.created')).toHaveLength(40);

    // Each chat's ticket.created (and first message) published once, with ids that leave no gap.
    const created = heard.filter((e) => e.type === 'ticket.created' && ticketIds.includes(e.ticketId));
    expect(created).toHaveLength(40);
    const messages = heard.filter((e) => e.type === 'message.created' && ticketIds.includes(e.ticketId));
    expect(messages).toHaveLength(10);
    const ids = [...created, ...messages].map((e) => Number((e as { eventId: string }).eventId)).sort((a, b) => a - b);
    expect(new Set(ids).size).toBe(50);
    const logged = await database.execute(sql`select count(*)::int as n, min(position) as lo, max(position) as hi from domain_events`);
    const row = (Array.isArray(logged) ? logged[0] : (logged as { rows: unknown[] }).rows[0]) as { n: number; lo: string; hi: string };
    expect(Number(row.hi) - Number(row.lo) + 1).toBe(Number(row.n));
  });

  it('a start the database refuses fails alone: the others of its transaction commit, and nothing of it stays', async () => {
    const database = db().handle.db;
    const refusedEmail = uniqueContact('Recusada').email;
    await database.execute(sql.raw(`
      create function refuse_intake() returns trigger language plpgsql as $$
      begin
        if new.user_email = '${refusedEmail}' then raise exception 'refused by the test'; end if;
        return new;
      end $$`));
    await database.execute(sql.raw('create trigger refuse_intake before insert on chat_sessions for each row execute function refuse_intake()'));
    try {
      const before = await chatStartTransactions(node().ctx.metrics);
      const inputs = Array.from({ length: 12 }, (_, i) => (i === 5 ? { ...visitor('Recusada'), email: refusedEmail } : visitor(`Aceita ${i}`)));
      const outcomes = await Promise.allSettled(inputs.map((input) => startChat(input, node().ctx)));
      const after = await chatStartTransactions(node().ctx.metrics);
      // Written together first (that transaction failed), then one by one.
      expect(after.error - before.error).toBeGreaterThanOrEqual(2);
      expect(outcomes.map((o) => o.status)).toEqual(inputs.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')));
      const stored = await database.select().from(chatSessions).where(inArray(chatSessions.userEmail, inputs.map((input) => input.email)));
      expect(stored.map((s) => s.userEmail).sort()).toEqual(inputs.filter((_, i) => i !== 5).map((input) => input.email).sort());
      expect(await database.select().from(clients).where(inArray(clients.email, [refusedEmail]))).toEqual([]);
    } finally {
      await database.execute(sql.raw('drop trigger refuse_intake on chat_sessions'));
      await database.execute(sql.raw('drop function refuse_intake()'));
    }
  });

  it('two starts of one batch that find the same customer (one by e-mail, one by phone) count two tickets on it', async () => {
    const database = db().handle.db;
    const known = visitor('Cliente Conhecida');
    const [customer] = await database.insert(clients).values({ email: known.email, phone: known.phone, totalTickets: 1 }).returning();
    const byEmail = { ...visitor('Pelo E-mail'), email: known.email };
    const byPhone = { ...visitor('Pelo Fone'), phone: known.phone };
    const results = await Promise.all([byEmail, byPhone].map((input) => startChat(input, node().ctx)));
    expect(results.map((r) => [r.chat.clientId, r.matchedBy])).toEqual([
      [customer!.id, 'email'],
      [customer!.id, 'phone'],
    ]);
    const writers = await transactionsOf(results.map((r) => r.chat.ticketId));
    expect(new Set(writers.values()).size).toBe(1); // one statement wrote both
    const [after] = await database.select().from(clients).where(inArray(clients.id, [customer!.id]));
    expect(after!.totalTickets).toBe(3);
  });

  // A verified start may open savepoints (it fills its customer's empty fields, each refusal
  // undone alone): pipelined with other starts, undoing one would undo their statements too.
  it('verified starts that fill fields, some refused, beside visitors: every chat answered is stored whole', async () => {
    const database = db().handle.db;
    const holder = visitor('Dona do Fone');
    await startChat(holder, node().ctx);
    const inputs = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        if (i % 2 === 1) return visitor(`Visitante ${i}`);
        const own = visitor(`Verificada ${i}`);
        await database.insert(clients).values({ email: own.email });
        // Half would fill a phone another customer holds (refused), half their own new one.
        return { ...own, phone: i % 4 === 0 ? holder.phone : own.phone, identityHash: identityHash(own.email, SECRET) };
      }),
    );
    const results = await Promise.all(inputs.map((input) => startChat(input, node().ctx)));
    const sessions = await database.select().from(chatSessions).where(inArray(chatSessions.id, results.map((r) => r.chat.sessionId)));
    expect(sessions).toHaveLength(24);
    const ticketRows = await database.select().from(tickets).where(inArray(tickets.id, results.map((r) => r.chat.ticketId)));
    expect(ticketRows).toHaveLength(24);
    const customers = await database.select().from(clients).where(inArray(clients.email, inputs.map((input) => input.email)));
    expect(customers).toHaveLength(24);
    for (const [i, input] of inputs.entries()) {
      const customer = customers.find((c) => c.email === input.email)!;
      expect(customer.totalTickets).toBe(1);
      if (i % 2 === 0) expect(customer.phone).toBe(i % 4 === 0 ? null : input.phone);
    }
    // Which starts shared a transaction: the one that wrote each ticket (xmin).
    const writers = await transactionsOf(results.map((r) => r.chat.ticketId));
    const sharing = (ticketId: string) => [...writers.values()].filter((xid) => xid === writers.get(ticketId)).length;
    results.forEach((r, i) => {
      if (i % 2 === 0) expect(sharing(r.chat.ticketId)).toBe(1);
    });
    expect(Math.max(...results.map((r) => sharing(r.chat.ticketId)))).toBeGreaterThan(1);
  });

  /** The transaction that wrote each of these tickets. */
  async function transactionsOf(ticketIds: string[]): Promise<Map<string, string>> {
    const result = await db().handle.db.execute(
      sql`select id, xmin::text as xid from tickets where id in (select jsonb_array_elements_text(${JSON.stringify(ticketIds)}::jsonb)::uuid)`,
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ id: string; xid: string }>;
    return new Map(rows.map((row) => [row.id, row.xid]));
  }
});
