import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import type { ChatRef } from '../chat/chatRef.js';
import type { ServiceContext } from '../context.js';

export interface ChatTriage {
  chat: ChatRef;
  /** People are on it: escalated, or an agent has replied. */
  staffed: boolean;
  active: boolean;
  locale: string;
}

/** The chat of a session as the assistant sees it; undefined when there is no such session. */
export async function readChatTriage(sessionId: string, ctx: Pick<ServiceContext, 'db'>): Promise<ChatTriage | undefined> {
  const row = await chatSessionsRepository.findTriage(ctx.db, sessionId);
  if (!row) return undefined;
  return {
    chat: { sessionId, ticketId: row.ticketId, ticketNumber: row.ticketNumber, clientId: row.clientId, customerName: row.userName },
    staffed: row.escalated || row.firstResponseAt !== null,
    active: row.status === 'active',
    locale: row.locale,
  };
}
