import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { chatMessages, chatSessions } from '../server/db/schema.js';
import { sweepIdleChats } from '../server/services/chat/sweepIdleChats.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import { newClientMsgId, request, requestOk, uniqueContact, waitForEvent } from './support/customer.js';
import { describeOnPostgres } from './support/databases.js';
import { untilLockWaiters } from './support/lockWaits.js';
import { useNodeWithCustomers } from './support/suite.js';

// DESIGN: an acknowledged message is committed, and a chat closed by the idle sweep takes no
// message after it. The sweep and a message's write race for the chat's row: whichever holds
// it first decides. To hold each one mid-transaction, the test holds the event log's position
// row, which both take last (repositories/domainEvents.ts), so each waits there with the
// chat's row already locked.
describeOnPostgres('the idle sweep against a message being written', (db) => {
  const { node, customer } = useNodeWithCustomers(db);
  const IDLE_MS = 30_000;

  async function idleChat() {
    const socket = await customer();
    const contact = uniqueContact('Corrida');
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    // Aged rather than waited for: the sweep compares last activity with the database clock.
    await db()
      .handle.db.update(chatSessions)
      .set({ lastActivityAt: new Date(Date.now() - 2 * IDLE_MS) })
      .where(eq(chatSessions.id, started.sessionId));
    await node().routing.idle(); // its queue place written: no pass waits on the event log with the test's writers
    return { socket, started };
  }

  /** Another transaction holds the event log's position row until `release()`. */
  async function eventLogHeld(sql: postgres.Sql) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const done = sql.begin(async (tx) => {
      await tx`select last from domain_event_positions where id = 1 for update`;
      held();
      await released;
    });
    await holding;
    return async () => (release(), await done);
  }

  const sessionOf = async (id: string) => (await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, id)))[0]!;
  const messagesOf = (id: string) => db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, id));

  it('a message being written holds its chat from the sweep, and once written the chat is no longer idle', async () => {
    const { socket, started } = await idleChat();
    const sql = postgres(db().url!, { max: 2, onnotice: () => {} });
    try {
      const release = await eventLogHeld(sql);
      const clientMsgId = newClientMsgId();
      const sent = requestOk<Message>(socket, 'message:send', { body: 'ainda estou aqui', clientMsgId });
      await untilLockWaiters(sql, 1); // the write, its chat locked, waits to log its event
      expect(await sweepIdleChats(IDLE_MS, node().ctx)).toBe(0);
      await release();
      const message = await sent;
      expect(message).toMatchObject({ seq: 1, clientMsgId, body: 'ainda estou aqui' });
      expect(await sweepIdleChats(IDLE_MS, node().ctx)).toBe(0);
      expect(await sessionOf(started.sessionId)).toMatchObject({ status: 'active', lastSeq: 1 });
      expect(await messagesOf(started.sessionId)).toMatchObject([{ clientMsgId, seq: 1 }]);
    } finally {
      await sql.end();
    }
  });

  it('a chat the sweep is closing refuses the message sent meanwhile with CLOSED, and stores nothing', async () => {
    const { socket, started } = await idleChat();
    const closed = waitForEvent(socket, 'chat:closed');
    const sql = postgres(db().url!, { max: 2, onnotice: () => {} });
    try {
      const release = await eventLogHeld(sql);
      const sweeping = sweepIdleChats(IDLE_MS, node().ctx);
      await untilLockWaiters(sql, 1); // the sweep, the chat closed but not committed, waits to log chat.closed
      const sent = request(socket, 'message:send', { body: 'ainda estou aqui', clientMsgId: newClientMsgId() });
      await untilLockWaiters(sql, 2); // the write waits for the chat's row
      await release();
      expect(await sweeping).toBe(1);
      expect(await sent).toMatchObject({ ok: false, error: { code: 'CLOSED' } });
      expect(await closed).toEqual({ reason: 'timeout' });
      expect(await sessionOf(started.sessionId)).toMatchObject({ status: 'closed', closeReason: 'timeout', lastSeq: 0 });
      expect(await messagesOf(started.sessionId)).toEqual([]);
    } finally {
      await sql.end();
    }
  });
});
