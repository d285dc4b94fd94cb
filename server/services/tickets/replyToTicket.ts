import type { Message } from '../../../shared/chat.js';
import type { TicketReplyInput } from '../../../shared/agentSchemas.js';
import { fillVariables } from '../../../shared/cannedResponses.js';
import { BODY_MAX } from '../../../shared/schemas.js';
import type { AgentRow, TicketRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import { customersRepository } from '../../repositories/customers.js';
import { getCannedResponse } from '../cannedResponses/manageCannedResponses.js';
import type { ChatRef } from '../chat/chatRef.js';
import { postMessage } from '../chat/postMessage.js';
import type { ServiceContext } from '../context.js';
import { announceTyping } from '../chat/relayTyping.js';
import { findTicketChat } from './ticketChat.js';
import { postLateReply } from './postLateReply.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';

/**
 * An agent's reply, posted into the ticket's chat like any message: committed, audited,
 * delivered live to the customer, idempotent by clientMsgId. A chat that has ended takes it as
 * a late reply, e-mailed to the customer (PROTOCOL §9).
 * The body is the one given, or a canned response's filled in (a deleted one is NOT_FOUND).
 */
export async function replyToTicket(input: TicketReplyInput, agent: AgentRow, ctx: ServiceContext): Promise<Message> {
  const { ticket, session, chat } = await findTicketChat(input.id, ctx);
  const { cannedResponseId, clientMsgId } = input;
  const body = cannedResponseId === undefined ? input.body : await cannedReplyBody({ cannedResponseId, clientMsgId }, ticket, chat, agent, ctx);
  if (body === undefined) throw new AppError('VALIDATION', 'Give either a body or a cannedResponseId', { fields: { body: 'Required' } });
  if (session.status === 'closed') return postLateReply(chat, session, agent, { body, clientMsgId }, ctx);
  try {
    const { message } = await postMessage(chat, { type: 'agent', agentId: agent.id, name: agent.name }, { body, clientMsgId }, ctx);
    return message;
  } catch (error) {
    // The chat ended between the read above and the write: the reply becomes a late one.
    if (error instanceof AppError && error.code === 'CLOSED' && !(await isActive(session.id, ctx))) {
      return postLateReply(chat, session, agent, { body, clientMsgId }, ctx);
    }
    throw error;
  }
}

async function isActive(sessionId: string, ctx: ServiceContext): Promise<boolean> {
  return (await chatSessionsRepository.findById(ctx.db, sessionId))?.status === 'active';
}

/**
 * A canned response's body with its variables filled in by the server: the customer's name on
 * file (what the visitor typed in this chat when the customer has none), its first word, the
 * ticket's number, the replying agent's name.
 */
async function cannedReplyBody(
  input: { cannedResponseId: string; clientMsgId: string },
  ticket: TicketRow,
  chat: ChatRef,
  agent: AgentRow,
  ctx: ServiceContext,
): Promise<string> {
  // A retry of a reply already stored gets that message from the writer, even once the
  // canned response it used was deleted or edited: its stored body is what counts.
  const sent = await chatMessagesRepository.findByClientMsgId(ctx.db, chat.sessionId, input.clientMsgId);
  if (sent) return sent.body;
  const canned = await getCannedResponse(input.cannedResponseId, ctx);
  const customer = await customersRepository.findById(ctx.db, ticket.clientId);
  const name = customer?.name ?? chat.customerName;
  const body = fillVariables(canned.body, {
    'customer.name': name,
    'customer.firstName': name.split(/\s+/)[0] ?? name,
    'ticket.number': String(ticket.number),
    'agent.name': agent.name,
  });
  // Names are short, but a template near the limit could still outgrow a message once filled.
  if (body.length > BODY_MAX) {
    throw new AppError('VALIDATION', `Filled in, this canned response is longer than ${BODY_MAX} characters`, {
      fields: { cannedResponseId: 'Too long once filled in' },
    });
  }
  return body;
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
  announceTyping(chat, { from: 'agent', agentId: agent.id }, input.isTyping, ctx);
  return { sessionId: session.id };
}
