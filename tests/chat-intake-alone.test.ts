import net from 'node:net';
import { eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { PREPARED_STATEMENT_MARK } from '../server/db/preparedStatement.js';
import { clients, domainEvents, ticketEvents, tickets } from '../server/db/schema.js';
import { TEST_POOL_SIZE } from '../scripts/dev/nodeEnv.js';
import { domainEventsRepository } from '../server/repositories/domainEvents.js';
import { fromLogRow } from '../server/services/events/eventLog.js';
import { startChat, type StartedChat } from '../server/services/chat/startChat.js';
import type { AgentEvent } from '../shared/events.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver, describeOnPostgres } from './support/databases.js';
import { untilLockWaiters } from './support/lockWaits.js';
import { useTestNode } from './support/suite.js';

/**
 * Visitors' chat starts are written by one statement, its own transaction (openVisitorChats,
 * chatIntakeRepository.openForVisitors), alone or with the others that arrived meanwhile; a
 * verified start goes alone in a transaction (openChatInTransaction). All write, log and publish
 * the same facts.
 */
describeOnEachDriver('visitors\' chat starts: one statement', (db) => {
  const node = useTestNode(db);

  const visitor = (name: string, message?: string) => {
    const contact = uniqueContact(name);
    return { name: contact.name, email: contact.email, phone: contact.e164, ...(message ? { message } : {}) };
  };

  /** What a start left: its ticket, audit row, logged events (as a replay reads them) and the events published. */
  async function written(started: StartedChat, heard: AgentEvent[]) {
    const database = db().handle.db;
    const [ticket] = await database.select().from(tickets).where(eq(tickets.id, started.chat.ticketId));
    const audit = await database.select().from(ticketEvents).where(eq(ticketEvents.ticketId, started.chat.ticketId));
    const newest = await domainEventsRepository.newestPosition(database);
    const logged = (await domainEventsRepository.listAfter(database, { after: 0, upTo: newest, ticketId: started.chat.ticketId, limit: 10 })).map(fromLogRow);
    const published = heard.filter((event) => event.ticketId === started.chat.ticketId);
    return { ticket: ticket!, audit, logged, published };
  }

  it('alone or beside another start, it writes, logs and publishes the same: a returning customer by phone, with a first message', async () => {
    const heard: AgentEvent[] = [];
    const unsubscribe = node().ctx.bus.subscribe((event) => heard.push(event));
    const known = visitor('Conhecida');
    const first = await startChat(known, node().ctx);
    // Alone: nothing else queued. Together: two starts in the same turn share one statement.
    const alone = await startChat({ ...visitor('Conhecida'), phone: known.phone, message: 'Oi, sou eu de novo' }, node().ctx);
    const [together] = await Promise.all([
      startChat({ ...visitor('Conhecida'), phone: known.phone, message: 'Oi, sou eu de novo' }, node().ctx),
      startChat(visitor('Outra'), node().ctx),
    ]);
    unsubscribe();

    for (const started of [alone, together!]) {
      expect(started).toMatchObject({ returningClient: true, matchedBy: 'phone', chat: { clientId: first.chat.clientId } });
      const { ticket, audit, logged, published } = await written(started, heard);
      expect(ticket).toMatchObject({ clientId: first.chat.clientId, returningClient: true, customerMessages: 1 });
      expect(audit.map((row) => [row.type, row.actorType, row.actorId, row.data])).toEqual([
        ['ticket.created', 'client', first.chat.clientId, { source: 'chat', sessionId: started.chat.sessionId, returningClient: true, matchedBy: 'phone', verified: false }],
      ]);
      // What agents were told live is what a replay of the log tells them.
      expect(published).toEqual(logged);
      expect(published.map((event) => event.type)).toEqual(['ticket.created', 'message.created']);
      expect(published[0]).toEqual({
        type: 'ticket.created',
        ticketId: started.chat.ticketId,
        ticketNumber: ticket.number,
        at: ticket.createdAt.toISOString(),
        source: 'chat',
        clientId: first.chat.clientId,
        sessionId: started.chat.sessionId,
        subject: 'Chat iniciado - Conhecida',
        returningClient: true,
        matchedBy: 'phone',
        verified: false,
        eventId: expect.any(String),
      });
      expect(published[1]).toMatchObject({
        type: 'message.created',
        ticketNumber: ticket.number,
        sessionId: started.chat.sessionId,
        message: { seq: 1, body: 'Oi, sou eu de novo', senderType: 'client', senderName: 'Conhecida' },
      });
      expect(Number((published[1] as { eventId: string }).eventId)).toBe(Number((published[0] as { eventId: string }).eventId) + 1);
    }
    const [customer] = await db().handle.db.select().from(clients).where(eq(clients.id, first.chat.clientId));
    expect(customer!.totalTickets).toBe(3);
  });

  it('a new customer alone: created with its first ticket counted, the ticket numbered, nothing logged twice', async () => {
    const heard: AgentEvent[] = [];
    const unsubscribe = node().ctx.bus.subscribe((event) => heard.push(event));
    const input = visitor('Estreante');
    const started = await startChat(input, node().ctx);
    unsubscribe();
    expect(started).toMatchObject({ returningClient: false, matchedBy: 'new' });
    const [customer] = await db().handle.db.select().from(clients).where(eq(clients.id, started.chat.clientId));
    expect(customer).toMatchObject({ email: input.email, phone: input.phone, name: 'Estreante', totalTickets: 1 });
    const { ticket, logged, published } = await written(started, heard);
    expect(ticket.number).toBe(started.started.ticketNumber);
    expect(published).toEqual(logged);
    expect(published).toMatchObject([{ type: 'ticket.created', clientId: started.chat.clientId, returningClient: false, matchedBy: 'new' }]);
    const rows = await db().handle.db.select().from(domainEvents).where(inArray(domainEvents.ticketId, [started.chat.ticketId]));
    expect(rows).toHaveLength(1);
  });
});

describeOnPostgres('visitors\' chat starts, against concurrent writers', (db) => {
  const node = useTestNode(db);

  /** Chat-start statements that failed on this node so far (a deadlock's victim is written again). */
  async function failedChatStarts() {
    const { values } = await node().ctx.metrics.dbTransactionDuration.get();
    return values.find((v) => v.metricName?.endsWith('_count') && v.labels.operation === 'chat_start' && v.labels.outcome === 'error')?.value ?? 0;
  }

  it('is prepared once per pooled connection, then sent without its text: one round trip', async () => {
    const parses: string[] = [];
    const write = net.Socket.prototype.write;
    net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
      // A Parse message ('P') carries the statement's text; a prepared run sends only Bind/Execute.
      if (Buffer.isBuffer(chunk) && chunk.includes(PREPARED_STATEMENT_MARK)) parses.push(chunk.toString('latin1', 0, 1));
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    try {
      for (let i = 0; i < 30; i++) {
        const contact = uniqueContact('Preparada');
        await startChat({ name: contact.name, email: contact.email, phone: contact.e164 }, node().ctx);
      }
    } finally {
      net.Socket.prototype.write = write;
    }
    expect(parses.length).toBeGreaterThan(0);
    expect(parses.length).toBeLessThanOrEqual(Number(TEST_POOL_SIZE));
  });

  /** Another transaction inserts a customer and holds it uncommitted until `commit()`. */
  async function customerBeingInserted(sql: postgres.Sql, customer: { email: string; phone?: string }) {
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    let inserted!: (id: string) => void;
    const insertedId = new Promise<string>((resolve) => (inserted = resolve));
    const done = sql.begin(async (tx) => {
      const [row] = await tx`insert into clients (email, phone, name, total_tickets) values (${customer.email}, ${customer.phone ?? null}, 'Corrida', 1) returning id`;
      inserted(row!.id as string);
      await committing;
    });
    return { id: await insertedId, commit: async () => (commit(), await done) };
  }

  it('a start whose e-mail another transaction is inserting waits for it, then counts its ticket on that customer, found by e-mail', async () => {
    const contact = uniqueContact('Corrida');
    const sql = postgres(db().url!, { max: 2, onnotice: () => {} });
    try {
      const other = await customerBeingInserted(sql, { email: contact.email });
      const start = startChat({ name: 'Corrida', email: contact.email, phone: contact.e164 }, node().ctx);
      await untilLockWaiters(sql); // the insert's ON CONFLICT waits for the other insert of this e-mail
      await other.commit();
      expect(await start).toMatchObject({ returningClient: true, matchedBy: 'email', chat: { clientId: other.id } });
      expect(await sql`select total_tickets from clients where id = ${other.id}`).toEqual([{ total_tickets: 2 }]);
    } finally {
      await sql.end();
    }
  });

  it('a start whose phone another transaction is inserting fails with nothing written, runs again and finds that customer by phone', async () => {
    const contact = uniqueContact('Corrida');
    const otherEmail = uniqueContact('Outra').email;
    const sql = postgres(db().url!, { max: 2, onnotice: () => {} });
    try {
      const other = await customerBeingInserted(sql, { email: otherEmail, phone: contact.e164 });
      const start = startChat({ name: 'Corrida', email: contact.email, phone: contact.e164 }, node().ctx);
      await untilLockWaiters(sql); // the unique index on phone waits for the other insert
      await other.commit();
      const started = await start;
      expect(started).toMatchObject({ returningClient: true, matchedBy: 'phone', chat: { clientId: other.id } });
      // The attempt that met the other insert left nothing: no customer for this e-mail, one ticket.
      expect(await sql`select 1 from clients where email = ${contact.email}`).toHaveLength(0);
      expect(await sql`select count(*)::int as n from tickets where client_id = ${other.id}`).toEqual([{ n: 1 }]);
      expect(await sql`select count(*)::int as n from chat_sessions where user_email = ${contact.email}`).toEqual([{ n: 1 }]);
    } finally {
      await sql.end();
    }
  });

  it("takes the event log's lock only after its customer's row: a writer holding that row and then logging is not deadlocked", async () => {
    const known = uniqueContact('Travada');
    const first = await startChat({ name: known.name, email: known.email, phone: known.e164 }, node().ctx);
    const sql = postgres(db().url!, { max: 2, onnotice: () => {} });
    try {
      let logNow!: () => void;
      const mayLog = new Promise<void>((resolve) => (logNow = resolve));
      let held!: () => void;
      const rowHeld = new Promise<void>((resolve) => (held = resolve));
      // A transaction that writes the customer's row first and logs last, as every service does.
      const writer = sql.begin(async (tx) => {
        await tx`update clients set updated_at = now() where id = ${first.chat.clientId}`;
        held();
        await mayLog;
        await tx`insert into domain_event_positions as p (id, last) values (1, 1) on conflict (id) do update set last = p.last + 1`;
      });
      await rowHeld;
      const failedBefore = await failedChatStarts();
      const start = startChat({ name: known.name, email: known.email, phone: known.e164 }, node().ctx);
      await untilLockWaiters(sql); // the start waits for the customer's row
      logNow();
      await writer;
      expect(await start).toMatchObject({ returningClient: true, matchedBy: 'email', chat: { clientId: first.chat.clientId } });
      // Deadlocked, PostgreSQL would have failed one of the two after deadlock_timeout, and the
      // intake would have written the start again.
      expect(await failedChatStarts()).toBe(failedBefore);
    } finally {
      await sql.end();
    }
  });
});
