import type { ChatStatus } from '../../../shared/chat.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { AppError } from '../../errors.js';
import type { ServiceContext } from '../context.js';
import { parseResumeToken, secretMatches } from '../resumeTokens.js';
import type { ChatRef } from './chatRef.js';
import { isLinkToken } from './chatLinks.js';

/**
 * A chat a bearer may use. `continuable`: opened by a `/c/` link (PROTOCOL §9), so what the
 * customer writes into it once it has ended opens a new session of the same ticket.
 */
export interface AuthenticatedChat {
  chat: ChatRef;
  status: ChatStatus;
  continuable: boolean;
  /** Its place in the routing queue as last told to the customer; null when not waiting there. */
  queuePosition: number | null;
}

/**
 * Opens the session a resume token belongs to, and no other; anything else is UNAUTHORIZED,
 * as is a token whose chat ended more than RESUME_TOKEN_TTL_HOURS ago (an open chat's never
 * expires). A `/c/` link token opens its ticket's latest session until the link expires.
 */
export async function authenticateChat(resumeToken: string, ctx: ServiceContext): Promise<AuthenticatedChat> {
  if (isLinkToken(resumeToken)) return authenticateLink(resumeToken, ctx);
  const parsed = parseResumeToken(resumeToken);
  const session = parsed ? await chatSessionsRepository.findResumable(ctx.db, parsed.sessionId) : undefined;
  if (!parsed || !session || !secretMatches(parsed.secret, session.resumeTokenHash)) {
    throw new AppError('UNAUTHORIZED', 'Invalid resume token');
  }
  if (session.endedAt && Date.now() - session.endedAt.getTime() > ctx.policy.resumeTokenTtlMs) {
    throw new AppError('UNAUTHORIZED', 'This resume token has expired');
  }
  return { status: session.status, chat: chatRefOf(session), continuable: false, queuePosition: session.queuePosition };
}

async function authenticateLink(token: string, ctx: ServiceContext): Promise<AuthenticatedChat> {
  const parsed = ctx.links.parse(token);
  const linked = parsed ? await chatSessionsRepository.findById(ctx.db, parsed.sessionId) : undefined;
  if (!parsed || !linked || !ctx.links.verify(token, linked)) throw new AppError('UNAUTHORIZED', 'This link is not valid or has expired');
  // The conversation goes on in the ticket's latest session (one the customer opened by writing through a link).
  const latest = await chatSessionsRepository.findLatestOfTicket(ctx.db, linked.ticketId);
  const session = latest && (await chatSessionsRepository.findResumable(ctx.db, latest.id));
  if (!session) throw new AppError('UNAUTHORIZED', 'This link is not valid or has expired');
  return { status: session.status, chat: chatRefOf(session), continuable: true, queuePosition: session.queuePosition };
}

function chatRefOf(session: { id: string; ticketId: string; ticketNumber: number; clientId: string; userName: string }): ChatRef {
  return {
    sessionId: session.id,
    ticketId: session.ticketId,
    ticketNumber: session.ticketNumber,
    clientId: session.clientId,
    customerName: session.userName,
  };
}
