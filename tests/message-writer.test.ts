import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { agents, chatMessages, chatSessions, ticketEvents, tickets } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatRef } from '../server/services/chat/chatRef.js';
import { createNodeMetrics } from '../server/metrics.js';
import { toAppError } from '../server/errors.js';
import { createMessageWriter } from '../server/services/messages/messageWriter.js';
import type { StoredMessage } from '../server/services/messages/messageEntry.js';
import type { ChatStarted } from '../shared/chat.js';
import { describeOnEachDriver } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';
import { requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';

type Settled = { ok: true; stored: StoredMessage } | { ok: false; code: string };

describeOnEachDriver('group commit of messages', (db) => {
  const suite = useNodeWithCustomers(db);
  let node: AtendeNode;
  beforeAll(() => {
    node = suite.node();
  });

  async function chat(): Promise<{ ref: ChatRef; socket: CustomerSocket }> {
    const socket = await suite.customer();
    const contact = uniqueContact();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    // The visitor is not told its customer's id; the session row knows it.
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
    return {
      socket,
      ref: {
        sessionId: started.sessionId,
        ticketId: started.ticketId,
        ticketNumber: started.ticketNumber,
        clientId: session!.clientId,
        customerName: contact.name,
      },
    };
  }

  /** Writes every message in one turn of the event loop, so they leave as one batch. */
  function writeTogether(writes: Array<[ChatRef, string, string | undefined, { agentId?: string }?]>): Promise<Settled[]> {
    return Promise.all(
      writes.map(([ref, body, clientMsgId, author]) =>
        node.ctx.messages
          .write(ref, author?.agentId ? { type: 'agent', agentId: author.agentId, name: 'Ana' } : { type: 'client', name: ref.customerName }, {
            body,
            clientMsgId,
          })
          .then(
            (stored): Settled => ({ ok: true, stored }),
            // The code a client is answered (a database error as such is INTERNAL).
            (error: unknown): Settled => ({ ok: false, code: toAppError(error).code }),
          ),
      ),
    );
  }

  async function batchSizes(): Promise<{ count: number; sum: number }> {
    const values = (await node.ctx.metrics.messageBatchSize.get()).values;
    return {
      count: values.find((v) => v.metricName === 'atende_message_batch_size_count')?.value ?? 0,
      sum: values.find((v) => v.metricName === 'atende_message_batch_size_sum')?.value ?? 0,
    };
  }

  const seqsOf = async (sessionId: string) =>
    (
      await db()
        .handle.db.select({ seq: chatMessages.seq, body: chatMessages.body })
        .from(chatMessages)
        .where(eq(chatMessages.sessionId, sessionId))
        .orderBy(asc(chatMessages.seq))
    ).map((row) => `${row.seq}:${row.body}`);

  it('messages of several sessions arriving together are one transaction, each session gap-free in arrival order', async () => {
    const [a, b, c] = await Promise.all([chat(), chat(), chat()]);
    const before = await batchSizes();
    const writes: Array<[ChatRef, string, string]> = [];
    for (let i = 1; i <= 3; i++) for (const { ref } of [a, b, c]) writes.push([ref, `m${i}`, randomUUID()]);
    const settled = await writeTogether(writes);

    expect(settled.every((s) => s.ok && s.stored.created)).toBe(true);
    const after = await batchSizes();
    expect(after.count - before.count).toBe(1);
    expect(after.sum - before.sum).toBe(9);
    for (const { ref } of [a, b, c]) {
      expect(await seqsOf(ref.sessionId)).toEqual(['1:m1', '2:m2', '3:m3']);
      const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, ref.sessionId));
      expect(session!.lastSeq).toBe(3);
    }
  });

  it('a clientMsgId twice in one batch, and one already stored, store one message each and leave no gap', async () => {
    const { ref } = await chat();
    const stored = randomUUID();
    await writeTogether([[ref, 'earlier', stored]]);
    const twice = randomUUID();
    const settled = await writeTogether([
      [ref, 'first', twice],
      [ref, 'first again', twice],
      [ref, 'earlier again', stored],
      [ref, 'after', randomUUID()],
    ]);

    const [first, again, earlier, after] = settled.map((s) => {
      if (!s.ok) throw new Error(`refused: ${s.code}`);
      return s.stored;
    });
    expect(first!.created).toBe(true);
    expect(again!.created).toBe(false);
    expect(again!.row).toEqual(first!.row);
    expect(earlier!.created).toBe(false);
    expect(earlier!.row.body).toBe('earlier');
    expect(after!.row.seq).toBe(3);
    expect(await seqsOf(ref.sessionId)).toEqual(['1:earlier', '2:first', '3:after']);
  });

  it('a closed session in a batch is refused with CLOSED while the others are stored; its stored messages still answer', async () => {
    const open = await chat();
    const closing = await chat();
    const kept = randomUUID();
    await writeTogether([[closing.ref, 'before close', kept]]);
    await requestOk(closing.socket, 'chat:close', {});

    const settled = await writeTogether([
      [open.ref, 'a1', randomUUID()],
      [closing.ref, 'too late', randomUUID()],
      [closing.ref, 'before close', kept],
      [open.ref, 'a2', randomUUID()],
    ]);
    expect(settled.map((s) => (s.ok ? s.stored.row.seq : s.code))).toEqual([1, 'CLOSED', 1, 2]);
    expect(await seqsOf(open.ref.sessionId)).toEqual(['1:a1', '2:a2']);
    expect(await seqsOf(closing.ref.sessionId)).toEqual(['1:before close']);
  });

  it('a message that breaks its batch fails alone: every other one is acked and stored, with no gap', async () => {
    const [a, b] = await Promise.all([chat(), chat()]);
    const settled = await writeTogether([
      [a.ref, 'a1', randomUUID()],
      [b.ref, 'b1', randomUUID()],
      // No such agent: the foreign key fails the multi-row insert, and so the batch.
      [a.ref, 'from nobody', randomUUID(), { agentId: randomUUID() }],
      [b.ref, 'b2', randomUUID()],
      [a.ref, 'a2', randomUUID()],
    ]);
    expect(settled.map((s) => (s.ok ? s.stored.row.seq : s.code))).toEqual([1, 1, 'INTERNAL', 2, 2]);
    expect(await seqsOf(a.ref.sessionId)).toEqual(['1:a1', '2:a2']);
    expect(await seqsOf(b.ref.sessionId)).toEqual(['1:b1', '2:b2']);
  });

  it('stores any text exactly as sent, and answers the row as Drizzle reads it', async () => {
    const { ref } = await chat();
    const bodies = ['aspas "duplas" e \'simples\'', 'barra \\ invertida \\n', 'linhas\nnovas\tcom tab', 'emoji 😀 e acentuação çãé', '{"json":[1,2]}', "'); drop table chat_messages; --"];
    const settled = await writeTogether(bodies.map((body) => [ref, body, randomUUID()] as [ChatRef, string, string]));
    const stored = settled.map((s) => {
      if (!s.ok) throw new Error(s.code);
      return s.stored.row;
    });
    expect(stored.map((row) => row.body)).toEqual(bodies);
    const read = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, ref.sessionId)).orderBy(asc(chatMessages.seq));
    expect(read).toEqual(stored);
  });

  it("agents' messages in a batch are audited and mark the first response once", async () => {
    const [a, b] = await Promise.all([chat(), chat()]);
    const [agent] = await db()
      .handle.db.insert(agents)
      .values({ name: 'Ana', email: `ana.${randomUUID()}@example.com`, tokenHash: randomUUID() })
      .returning();
    const settled = await writeTogether([
      [a.ref, 'hello a', randomUUID(), { agentId: agent!.id }],
      [b.ref, 'hello b', randomUUID(), { agentId: agent!.id }],
      [a.ref, 'again a', randomUUID(), { agentId: agent!.id }],
    ]);
    expect(settled.every((s) => s.ok)).toBe(true);
    for (const { ref } of [a, b]) {
      const audits = await db()
        .handle.db.select()
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, ref.ticketId), eq(ticketEvents.type, 'message.created')));
      expect(audits.map((e) => e.actorId)).toEqual(Array(ref === a.ref ? 2 : 1).fill(agent!.id));
      const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, ref.ticketId));
      expect(ticket!.firstResponseAt).toBeInstanceOf(Date);
    }
    // A later reply leaves an answered ticket as it was: its first response and its updated_at.
    const [answered] = await db().handle.db.select().from(tickets).where(eq(tickets.id, a.ref.ticketId));
    expect((await writeTogether([[a.ref, 'later a', randomUUID(), { agentId: agent!.id }]])).every((s) => s.ok)).toBe(true);
    const [later] = await db().handle.db.select().from(tickets).where(eq(tickets.id, a.ref.ticketId));
    expect({ firstResponseAt: later!.firstResponseAt, updatedAt: later!.updatedAt }).toEqual({
      firstResponseAt: answered!.firstResponseAt,
      updatedAt: answered!.updatedAt,
    });
  });

  it('concurrent sends over one socket: gap-free seqs, one message per clientMsgId', async () => {
    const { ref, socket } = await chat();
    const clientMsgId = randomUUID();
    const acks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        requestOk<{ seq: number }>(socket, 'message:send', { body: `m${i}`, clientMsgId: i < 2 ? clientMsgId : randomUUID() }),
      ),
    );
    expect(new Set(acks.map((m) => m.seq)).size).toBe(9);
    const rows = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, ref.sessionId));
    expect(rows.map((r) => r.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('one clientMsgId sent through two writers at once (two nodes) stores one message; both answer it', async () => {
    const { ref } = await chat();
    // A second node's writer over the same database: its batches are not serialized with this one's.
    const other = createMessageWriter(db().handle.db, createNodeMetrics({ defaultMetrics: false }), { maxMessagesPerSession: 5000 });
    const author = { type: 'client' as const, name: ref.customerName };
    for (let round = 0; round < 5; round++) {
      const clientMsgId = randomUUID();
      const [a, b] = await Promise.all([
        node.ctx.messages.write(ref, author, { body: `r${round}`, clientMsgId }),
        other.write(ref, author, { body: `r${round}`, clientMsgId }),
      ]);
      expect(a.row).toEqual(b.row);
      expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    }
    expect(await seqsOf(ref.sessionId)).toEqual(['1:r0', '2:r1', '3:r2', '4:r3', '5:r4']);
  });
  // The transaction commits with the event log's append still on its way (eventLog.ts,
  // transactionLoggingLast): when the append fails, its COMMIT is a rollback, and nothing of
  // the batch may be acknowledged or kept.
  it('a batch whose event-log append fails is not acknowledged, and none of it is stored', async () => {
    const [refused, other] = await Promise.all([chat(), chat()]);
    const database = db().handle.db;
    await database.execute(sql.raw(`
      create function refuse_logged_event() returns trigger language plpgsql as $$
      begin
        if new.payload->>'sessionId' = '${refused.ref.sessionId}' then raise exception 'refused by the test'; end if;
        return new;
      end $$`));
    await database.execute(sql.raw('create trigger refuse_logged_event before insert on domain_events for each row execute function refuse_logged_event()'));
    try {
      const [failed, stored] = await writeTogether([
        [refused.ref, 'lost?', 'refused-1'],
        [other.ref, 'kept', 'other-1'],
      ]);
      expect(failed!.ok).toBe(false);
      expect(stored!.ok).toBe(true);
      expect(await seqsOf(refused.ref.sessionId)).toEqual([]);
      expect(await seqsOf(other.ref.sessionId)).toEqual(['1:kept']);
      const [session] = await database.select({ lastSeq: chatSessions.lastSeq }).from(chatSessions).where(eq(chatSessions.id, refused.ref.sessionId));
      expect(session!.lastSeq).toBe(0);
    } finally {
      await database.execute(sql.raw('drop trigger refuse_logged_event on domain_events'));
      await database.execute(sql.raw('drop function refuse_logged_event()'));
    }
    // The same message again, once the log takes it: stored with the seq the failed one did not keep.
    const [retried] = await writeTogether([[refused.ref, 'lost?', 'refused-1']]);
    expect(retried!.ok && retried!.stored.created && retried!.stored.row.seq).toBe(1);
    expect(retried!.ok && retried!.stored.eventId).toMatch(/^\d+$/);
  });
});
