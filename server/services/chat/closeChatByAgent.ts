import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import type { ServiceContext } from '../context.js';
import { closeChat } from './closeChat.js';

/** An agent ends a chat: as a customer's close, but with reason `agent` and the agent as actor. */
export async function closeChatByAgent(
  input: { sessionId: string; reason?: string },
  agent: AgentRow,
  ctx: ServiceContext,
): Promise<{ status: 'closed'; changed: boolean }> {
  const session = await chatSessionsRepository.findWithTicketNumber(ctx.db, input.sessionId);
  if (!session) throw new AppError('NOT_FOUND', 'No such chat session');
  return closeChat(
    {
      sessionId: session.id,
      ticketId: session.ticketId,
      ticketNumber: session.ticketNumber,
      clientId: session.clientId,
      customerName: session.userName,
    },
    { reason: 'agent', actorType: 'agent', actorId: agent.id, note: input.reason },
    ctx,
  );
}
