/**
 * The benchmark's baseline writer: one transaction per message, as Atende stored messages
 * before group commit (kept here only to be measured against; the node always group-commits).
 * The same statements as that path: look up the clientMsgId, then in one transaction take the
 * session's next seq under its row lock, insert, audit an agent's message, and log its event.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../../server/db/client.js';
import { chatMessages, chatSessions, ticketEvents, tickets, type ChatMessageRow } from '../../../server/db/schema.js';
import { AppError } from '../../../server/errors.js';
import { timeTransaction, type NodeMetrics } from '../../../server/metrics.js';
import type { MessageWriter, MessageWriterOptions } from '../../../server/services/messages/messageWriter.js';
import type { MessageAuthor, MessageInput, MessageTarget, StoredMessage } from '../../../server/services/messages/messageEntry.js';
import { sessionFull } from '../../../server/services/messages/sessionFull.js';
import { logMessageEvents } from '../../../server/services/events/eventLog.js';

/** Thrown inside the transaction to roll back the seq taken for a duplicate clientMsgId. */
class DuplicateMessage extends Error {}

export function createOneTxPerMessageWriter(db: Database, metrics: NodeMetrics, options: MessageWriterOptions): MessageWriter {
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  return {
    async write(chat, author, input) {
      inFlight++;
      try {
        const stored = await timeTransaction(metrics, 'message', () => storeMessage(db, chat, author, input, options.maxMessagesPerSession));
        if (stored.created) metrics.messagesPersisted.inc({ sender_type: stored.row.senderType });
        return stored;
      } finally {
        if (--inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
      }
    },
    idle: () => new Promise<void>((resolve) => (inFlight === 0 ? resolve() : idleWaiters.push(resolve))),
  };
}

const findByClientMsgId = async (db: Database, sessionId: string, clientMsgId: string): Promise<ChatMessageRow | undefined> =>
  (await db.select().from(chatMessages).where(and(eq(chatMessages.sessionId, sessionId), eq(chatMessages.clientMsgId, clientMsgId))))[0];

async function storeMessage(db: Database, chat: MessageTarget, author: MessageAuthor, input: MessageInput, maxMessages: number): Promise<StoredMessage> {
  const clientMsgId = input.clientMsgId ?? null;
  if (clientMsgId) {
    const existing = await findByClientMsgId(db, chat.sessionId, clientMsgId);
    if (existing) return { row: existing, created: false };
  }
  try {
    const row = await db.transaction(async (tx) => {
      const [session] = await tx
        .update(chatSessions)
        .set({ lastSeq: sql`${chatSessions.lastSeq} + 1`, lastActivityAt: sql`now()` })
        .where(and(eq(chatSessions.id, chat.sessionId), eq(chatSessions.status, 'active')))
        .returning({ lastSeq: chatSessions.lastSeq });
      if (!session) throw new AppError('CLOSED', 'This chat is closed');
      const seq = session.lastSeq;
      if (seq > maxMessages) throw sessionFull(maxMessages);
      const [inserted] = await tx
        .insert(chatMessages)
        .values({ sessionId: chat.sessionId, seq, senderType: author.type, agentId: author.agentId ?? null, senderName: author.name ?? null, body: input.body, clientMsgId })
        .onConflictDoNothing({ target: [chatMessages.sessionId, chatMessages.clientMsgId] })
        .returning();
      if (!inserted) throw new DuplicateMessage();
      if (author.type === 'agent') {
        await tx.insert(ticketEvents).values({
          ticketId: chat.ticketId,
          actorType: 'agent',
          actorId: author.agentId ?? null,
          type: 'message.created',
          data: { sessionId: chat.sessionId, messageId: inserted.id, seq },
        });
        await tx.update(tickets).set({ firstResponseAt: sql`now()` }).where(and(eq(tickets.id, chat.ticketId), isNull(tickets.firstResponseAt)));
      }
      // Every stored message is logged for agents' event streams, as the node's writer does.
      const eventIds = await logMessageEvents(tx, [{ messageId: inserted.id, chat }]);
      return { inserted, eventId: eventIds.get(inserted.id)! };
    });
    return { row: row.inserted, created: true, eventId: row.eventId };
  } catch (error) {
    if (!(error instanceof DuplicateMessage) || !clientMsgId) throw error;
    const existing = await findByClientMsgId(db, chat.sessionId, clientMsgId);
    if (!existing) throw error;
    return { row: existing, created: false };
  }
}
