import { eq } from 'drizzle-orm';
import type { AtendeNode } from '../../server/main.js';
import { chatMessages, chatSessions, tickets } from '../../server/db/schema.js';
import { startChat } from '../../server/services/chat/startChat.js';
import type { TicketSource, TicketStatus } from '../../shared/tickets.js';
import type { AgentClient } from './agent.js';
import { uniqueContact } from './customer.js';
import type { TestDatabase } from './databases.js';

/** A ticket placed at a given instant, for reports; a chat may carry its first response or end unanswered. */
export interface ReportSeed {
  source: TicketSource;
  createdAt: string;
  status?: TicketStatus;
  /** Chats: the first agent reply this many seconds after the customer's first message (at creation). */
  answeredAfterS?: number;
  /** Chats: the customer wrote and nobody answered; the chat ended unanswered. */
  unanswered?: boolean;
  /** The agent the ticket is assigned to. */
  assigneeId?: string;
}

/**
 * Creates each ticket through the node (a chat through the intake, others through
 * `tickets.create`), then back-dates it and writes its chat directly: the API stamps now().
 */
export async function seedReportTickets(node: AtendeNode, db: TestDatabase, agent: AgentClient, seeds: ReportSeed[]): Promise<void> {
  const handle = db.handle.db;
  for (const seed of seeds) {
    const contact = uniqueContact('Relatorio Cliente');
    const created = new Date(seed.createdAt);
    let ticketId: string;
    if (seed.source === 'chat') {
      const { chat } = await startChat({ name: contact.name, email: contact.email, phone: contact.e164 }, node.ctx);
      ticketId = chat.ticketId;
      const messages: Array<{ senderType: 'client' | 'agent'; at: Date }> = [{ senderType: 'client', at: created }];
      if (seed.answeredAfterS !== undefined) messages.push({ senderType: 'agent', at: new Date(created.getTime() + seed.answeredAfterS * 1000) });
      for (const [i, message] of messages.entries()) {
        await handle.insert(chatMessages).values({ sessionId: chat.sessionId, seq: i + 1, senderType: message.senderType, body: 'seed', createdAt: message.at });
      }
      // The first-response facts the message writes would have kept, back-dated with the messages.
      const reply = messages.find((message) => message.senderType === 'agent');
      await handle
        .update(chatSessions)
        .set({
          startedAt: created,
          ticketCreatedAt: created,
          firstCustomerMessageAt: created,
          firstAgentReplyAt: reply?.at ?? null,
          ...(seed.unanswered ? { status: 'closed', closeReason: 'timeout', unanswered: true, endedAt: created } : {}),
        })
        .where(eq(chatSessions.id, chat.sessionId));
    } else {
      ticketId = (await agent.tickets.create.mutate({ subject: 'seed', source: seed.source, client: { email: contact.email } })).id;
    }
    await handle
      .update(tickets)
      .set({ createdAt: created, status: seed.status ?? 'OPEN', assigneeId: seed.assigneeId ?? null })
      .where(eq(tickets.id, ticketId));
  }
}
