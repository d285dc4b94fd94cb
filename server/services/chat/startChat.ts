import { randomUUID } from 'node:crypto';
import type { ChatStarted } from '../../../shared/chat.js';
import type { ChatStartInput } from '../../../shared/schemas.js';
import { CHAT_CATEGORY } from '../../../shared/tickets.js';
import { chatIntakeRepository } from '../../repositories/chatIntake.js';
import type { ServiceContext } from '../context.js';
import { matchCustomer, type MatchedBy } from '../customers/matchCustomer.js';
import { insertFirstMessage } from '../messages/firstMessage.js';
import type { ChatRef } from './chatRef.js';
import { toMessage } from './messageView.js';
import { messageCreatedEvent } from './postMessage.js';
import { issueResumeToken } from '../resumeTokens.js';
import { verifyIdentity } from '../identity.js';
import { ticketCreatedAudit, ticketFact, type TicketFacts } from '../ticketFacts.js';
import { AppError } from '../../errors.js';
import { resolveLocale, text } from '../../../shared/messages.js';
import type { Transaction } from '../../db/client.js';
import type { ChatMessageRow, CustomerRow } from '../../db/schema.js';
import { offlineReceivedMail } from '../mail/mailTemplates.js';
import { enqueueMail } from '../mail/outbox.js';
import { linkUrl } from './chatLinks.js';

/**
 * `started` is all the visitor is told (PROTOCOL §7: not whether the e-mail or phone was a
 * customer); the rest is for the transport and agents.
 */
export interface StartedChat {
  started: ChatStarted;
  chat: ChatRef;
  returningClient: boolean;
  matchedBy: MatchedBy;
}

/**
 * The intake: in one transaction, find or create the customer, open a chat ticket and a
 * session linked to both (and store the first message when given). Events go out after commit.
 * The transaction may hold other chat starts that arrived meanwhile (group commit,
 * services/chat/intakeWriter.ts); each is all or nothing all the same.
 * With `offline` (the offline form, PROTOCOL §9) the session is closed from the start, the
 * message is required, and the same transaction commits the customer's confirmation e-mail.
 */
export async function startChat(
  input: ChatStartInput,
  ctx: ServiceContext,
): Promise<StartedChat> {
  const endIntake = ctx.metrics.intakeDuration.startTimer();
  try {
    const result = await openChat(input, ctx);
    endIntake({ outcome: 'ok' });
    ctx.metrics.chatsStarted.inc();
    return result;
  } catch (error) {
    endIntake({ outcome: 'error' });
    throw error;
  }
}

async function openChat(input: ChatStartInput, ctx: ServiceContext): Promise<StartedChat> {
  const offline = input.offline === true;
  if (offline && !input.message) {
    throw new AppError('VALIDATION', 'The offline form needs a message', { fields: { message: text(resolveLocale(input.locale), 'required') } });
  }
  const sessionId = randomUUID();
  const resume = issueResumeToken(sessionId);
  const request: IntakeRequest = {
    input,
    verified: verifyIdentity(input.email, input.identityHash, ctx.policy.identitySecret),
    now: new Date(),
    sessionId,
    resumeTokenHash: resume.hash,
  };
  const result = await ctx.intake.open(request);

  const chat: ChatRef = {
    sessionId,
    ticketId: result.ticketId,
    ticketNumber: result.ticketNumber,
    clientId: result.client.id,
    customerName: input.name,
  };
  if (result.firstMessage) ctx.customers.message(chat.sessionId, toMessage(result.firstMessage));
  if (offline) ctx.mail.wake();

  return {
    chat,
    started: {
      sessionId: chat.sessionId,
      resumeToken: resume.token,
      ticketId: chat.ticketId,
      ticketNumber: chat.ticketNumber,
    },
    returningClient: result.returning,
    matchedBy: result.matchedBy,
  };
}

/** A chat start as the intake's transaction takes it: the form, and what was decided before. */
export interface IntakeRequest {
  input: ChatStartInput;
  /** The host site vouched for the e-mail (identityHash). */
  verified: boolean;
  now: Date;
  sessionId: string;
  resumeTokenHash: string;
}

/** What a chat start's transaction wrote. */
export interface OpenedChat {
  client: CustomerRow;
  returning: boolean;
  matchedBy: MatchedBy;
  ticketId: string;
  ticketNumber: number;
  firstMessage: ChatMessageRow | undefined;
}

/**
 * The intake's writes for one chat start, inside a ticket transaction (which may hold other
 * chat starts: services/chat/intakeWriter.ts): find or create the customer, open the ticket, the
 * session and its audit row, store the first message, and record the facts.
 */
export async function openChatInTransaction(tx: Transaction, facts: TicketFacts, request: IntakeRequest, ctx: ServiceContext): Promise<OpenedChat> {
  const { input, verified, now, sessionId } = request;
  const offline = input.offline === true;
  const { client, returning, matchedBy } = await matchCustomer(
    tx,
    { email: input.email, phone: input.phone, name: input.name },
    verified ? 'verified' : 'visitor',
  );
  // Ids chosen here, so the intake's rows and the first message go out together (pipelined,
  // one round trip); the server runs them in order, the ticket before the message.
  const ticketId = randomUUID();
  const subject = `Chat iniciado - ${input.name}`;
  const opening = ticketOpening(request, { ticketId, subject, clientId: client.id, returning, matchedBy });
  const [opened, firstMessage] = await Promise.all([
    chatIntakeRepository.insert(tx, {
      ticketId,
      subject,
      description: `Chat iniciado em ${formatStartTime(now, ctx.policy.timeZone)}`,
      category: CHAT_CATEGORY,
      clientId: client.id,
      returningClient: returning,
      sessionId,
      userName: input.name,
      userEmail: input.email,
      userPhone: input.phone,
      locale: input.locale ?? 'pt-BR',
      resumeTokenHash: request.resumeTokenHash,
      verified,
      matchedBy,
      lastSeq: input.message ? 1 : 0,
      offline,
      customerMessages: input.message ? 1 : 0,
      // The intake's statement writes the fact's audit row (as the customer).
      eventData: ticketCreatedAudit(opening).data ?? {},
    }),
    input.message ? insertFirstMessage(tx, sessionId, { type: 'client', name: input.name }, input.message) : undefined,
  ]);
  facts.recorded(ticketFact.created({ ...opening, ticketNumber: opened.number, at: opened.createdAt.toISOString() }));
  if (offline) {
    await enqueueOfflineConfirmation(
      tx,
      { input, sessionId, resumeTokenHash: request.resumeTokenHash, ticketId, ticketNumber: opened.number, clientId: client.id },
      ctx,
    );
  }
  if (firstMessage) {
    // Not audited (a customer's message), but announced and logged like every message.
    facts.recorded({ event: messageCreatedEvent({ sessionId, ticketId, ticketNumber: opened.number }, toMessage(firstMessage)), audit: [] });
  }
  return { client, returning, matchedBy, ticketId, ticketNumber: opened.number, firstMessage };
}

/** The ticket.created fact of a chat start, as its event and audit row tell it (before the ticket has a number). */
function ticketOpening(
  request: IntakeRequest,
  ticket: { ticketId: string; subject: string; clientId: string; returning: boolean; matchedBy: MatchedBy },
) {
  return {
    type: 'ticket.created' as const,
    ticketId: ticket.ticketId,
    source: 'chat' as const,
    clientId: ticket.clientId,
    sessionId: request.sessionId,
    subject: ticket.subject,
    returningClient: ticket.returning,
    matchedBy: ticket.matchedBy,
    verified: request.verified,
    ...(request.input.offline === true ? { offline: true as const } : {}),
  };
}

/** The offline form's confirmation e-mail, with the `/c/` link that opens the conversation. */
async function enqueueOfflineConfirmation(
  tx: Transaction,
  opened: { input: ChatStartInput; sessionId: string; resumeTokenHash: string; ticketId: string; ticketNumber: number; clientId: string },
  ctx: ServiceContext,
): Promise<void> {
  const { input } = opened;
  const content = offlineReceivedMail({
    locale: input.locale ?? 'pt-BR',
    customerName: input.name,
    ticketNumber: opened.ticketNumber,
    message: input.message ?? '',
    link: linkUrl(ctx.policy.publicUrl, ctx.links.issue({ id: opened.sessionId, resumeTokenHash: opened.resumeTokenHash })),
  });
  await enqueueMail(
    tx,
    {
      kind: 'offline_received',
      dedupeKey: `offline_received:${opened.sessionId}`,
      toAddress: input.email,
      subject: content.subject,
      textBody: content.text,
      htmlBody: content.html,
      clientId: opened.clientId,
      ticketId: opened.ticketId,
    },
    ctx,
  );
}

const startTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** What `toLocaleString('pt-BR', { timeZone })` writes, with the formatter kept (building one each time costs ~0.1 ms). */
function formatStartTime(date: Date, timeZone: string | undefined): string {
  const key = timeZone ?? '';
  let format = startTimeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('pt-BR', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    startTimeFormats.set(key, format);
  }
  return format.format(date);
}
