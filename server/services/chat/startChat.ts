import { randomUUID } from 'node:crypto';
import type { ChatStarted } from '../../../shared/chat.js';
import type { ChatStartInput } from '../../../shared/schemas.js';
import { CHAT_CATEGORY } from '../../../shared/tickets.js';
import { chatIntakeRepository, type ChatIntakeRecords } from '../../repositories/chatIntake.js';
import type { ServiceContext } from '../context.js';
import { matchCustomer, type MatchedBy } from '../customers/matchCustomer.js';
import { messageRow } from '../messages/planMessageBatch.js';
import type { ChatRef } from './chatRef.js';
import { toMessage } from './messageView.js';
import { messageCreatedEvent } from './postMessage.js';
import { issueResumeToken } from '../resumeTokens.js';
import { verifyIdentity } from '../identity.js';
import { ticketCreatedAudit, ticketFact, type TicketFacts } from '../ticketFacts.js';
import { AppError, isUniqueViolation } from '../../errors.js';
import { resolveLocale, text } from '../../../shared/messages.js';
import type { Transaction } from '../../db/client.js';
import type { ChatMessageRow } from '../../db/schema.js';
import type { LoggedEvent } from '../../../shared/events.js';
import { timeTransaction } from '../../metrics.js';
import { fromLogRow } from '../events/eventLog.js';
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
 * A visitor's start shares that transaction, one statement, with the visitors' starts that
 * arrived meanwhile (group commit, services/chat/intakeWriter.ts); each is all or nothing all
 * the same. With `offline` (the offline form, PROTOCOL §9) the session is closed from the start,
 * the message is required, and the same transaction commits the customer's confirmation e-mail.
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
    clientId: result.clientId,
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

/** What a chat start wrote. */
export interface OpenedChat {
  clientId: string;
  returning: boolean;
  matchedBy: MatchedBy;
  ticketId: string;
  ticketNumber: number;
  firstMessage: ChatMessageRow | undefined;
}

/**
 * The intake's writes for a chat start that goes alone (verified, or the offline form:
 * services/chat/intakeWriter.ts), inside a ticket transaction: find or create the customer,
 * open the ticket, the session and its audit row, store the first message, and record the facts.
 */
export async function openChatInTransaction(tx: Transaction, facts: TicketFacts, request: IntakeRequest, ctx: ServiceContext): Promise<OpenedChat> {
  const { input, verified, sessionId } = request;
  const offline = input.offline === true;
  const { client, returning, matchedBy } = await matchCustomer(
    tx,
    { email: input.email, phone: input.phone, name: input.name },
    verified ? 'verified' : 'visitor',
  );
  const plan = planIntake(request, ctx);
  const opening = ticketOpening(request, { ticketId: plan.records.ticketId, subject: plan.records.subject, clientId: client.id, returning, matchedBy });
  const opened = await chatIntakeRepository.insert(
    tx,
    { ...plan.records, eventData: ticketCreatedAudit(opening).data ?? {} },
    { id: client.id, returning, matchedBy },
    plan.firstMessage,
  );
  const ticketId = plan.records.ticketId;
  facts.recorded(ticketFact.created({ ...opening, ticketNumber: opened.number, at: opened.createdAt.toISOString() }));
  if (offline) {
    await enqueueOfflineConfirmation(
      tx,
      { input, sessionId, resumeTokenHash: request.resumeTokenHash, ticketId, ticketNumber: opened.number, clientId: client.id },
      ctx,
    );
  }
  const firstMessage = opened.firstMessage ?? undefined;
  if (firstMessage) {
    // Not audited (a customer's message), but announced and logged like every message.
    facts.recorded({ event: messageCreatedEvent({ sessionId, ticketId, ticketNumber: opened.number }, toMessage(firstMessage)), audit: [] });
  }
  return { clientId: client.id, returning, matchedBy, ticketId, ticketNumber: opened.number, firstMessage };
}

// Statements that keep losing the race to insert a customer's phone (see openVisitorChats).
const MAX_VISITOR_ATTEMPTS = 5;

/**
 * Visitors' chat starts (no two with the same e-mail or phone: intakeWriter.ts keeps them
 * apart) written by one statement, its own transaction (chatIntakeRepository.openForVisitors):
 * the same writes and facts as `openChatInTransaction`, in one round trip. What it logged is
 * published once it answers. Not for a verified start (which fills the stored customer's empty
 * fields) nor the offline form.
 */
export async function openVisitorChats(requests: IntakeRequest[], ctx: ServiceContext): Promise<OpenedChat[]> {
  const plans = requests.map((request) => planIntake(request, ctx));
  const intakes = requests.map((request, i) => {
    const { input, sessionId } = request;
    const { records, firstMessage } = plans[i]!;
    // What the statement decides (the customer, the ticket's number and time) is filled in there.
    const opening = ticketOpening(request, { ticketId: records.ticketId, subject: records.subject, clientId: '', returning: false, matchedBy: 'new' });
    return {
      records: { ...records, eventData: ticketCreatedAudit(opening).data ?? {} },
      contact: { email: input.email, phone: input.phone, name: input.name },
      firstMessage,
      createdEvent: ticketFact.created({ ...opening, ticketNumber: 0, at: '' }).event as unknown as Record<string, unknown>,
      messageEvent: firstMessage ? { type: 'message.created', ticketId: records.ticketId, sessionId } : null,
    };
  });
  for (let attempt = 1; ; attempt++) {
    try {
      const opened = await timeTransaction(ctx.metrics, 'chat_start', () => chatIntakeRepository.openForVisitors(ctx.db, intakes));
      for (const row of opened.flatMap((chat) => chat.logged)) {
        const event = fromLogRow(row);
        if (event) ctx.bus.publish(event as LoggedEvent & { eventId: string });
      }
      return opened.map((chat, i) => ({
        clientId: chat.customer.id,
        returning: chat.customer.returning,
        matchedBy: chat.customer.matchedBy,
        ticketId: plans[i]!.records.ticketId,
        ticketNumber: chat.number,
        firstMessage: chat.firstMessage ?? undefined,
      }));
    } catch (error) {
      // A customer with this phone was inserted meanwhile: nothing was written; now it is found.
      if (!isUniqueViolation(error) || attempt >= MAX_VISITOR_ATTEMPTS) throw error;
    }
  }
}

/** What a start writes that its customer does not decide: ids chosen here, the ticket's texts, the first message. */
function planIntake(request: IntakeRequest, ctx: ServiceContext) {
  const { input, verified, now, sessionId } = request;
  const offline = input.offline === true;
  const records: Omit<ChatIntakeRecords, 'eventData'> = {
    ticketId: randomUUID(),
    subject: `Chat iniciado - ${input.name}`,
    description: `Chat iniciado em ${formatStartTime(now, ctx.policy.timeZone)}`,
    category: CHAT_CATEGORY,
    sessionId,
    userName: input.name,
    userEmail: input.email,
    userPhone: input.phone,
    locale: input.locale ?? 'pt-BR',
    resumeTokenHash: request.resumeTokenHash,
    verified,
    lastSeq: input.message ? 1 : 0,
    offline,
    customerMessages: input.message ? 1 : 0,
  };
  const firstMessage = input.message ? messageRow(sessionId, 1, { type: 'client', name: input.name }, input.message, null) : null;
  return { records, firstMessage };
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
