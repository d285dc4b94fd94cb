import type { Message } from '../../../shared/chat.js';
import type { TicketReplyInput } from '../../../shared/agentSchemas.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { postMessage } from '../chat/postMessage.js';
import type { ServiceContext } from '../context.js';
import { findTicketChat } from './ticketChat.js';

/**
 * An agent's reply, posted into the ticket's chat like any message: committed, audited,
 * delivered live to the customer, idempotent by clientMsgId. A closed chat refuses it (CLOSED).
 */
export async function replyToTicket(input: TicketReplyInput, agent: AgentRow, ctx: ServiceContext): Promise<Message> {
  const { chat } = await findTicketChat(input.id, ctx);
  const { message } = await postMessage(
    chat,
    { type: 'agent', agentId: agent.id, name: agent.name },
    { body: input.body, clientMsgId: input.clientMsgId },
    ctx,
  );
  return message;
}

/** Relays an agent's typing to the ticket's chat, and to the other agents watching it. */
export async function relayAgentTyping(
  input: { id: string; isTyping: boolean },
  agent: AgentRow,
  ctx: ServiceContext,
): Promise<{ sessionId: string }> {
  const { session, chat } = await findTicketChat(input.id, ctx);
  if (session.status === 'closed') throw new AppError('CLOSED', 'This chat is closed');
  ctx.customers.typing(session.id, input.isTyping);
  ctx.bus.publish({
    type: 'chat.typing',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: new Date().toISOString(),
    sessionId: chat.sessionId,
    from: 'agent',
    agentId: agent.id,
    isTyping: input.isTyping,
  });
  return { sessionId: session.id };
}
