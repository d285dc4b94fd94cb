import { randomUUID } from 'node:crypto';
import type { ChatStarted } from '../../../shared/chat.js';
import type { ChatStartInput } from '../../../shared/schemas.js';
import { CHAT_CATEGORY } from '../../../shared/tickets.js';
import { chatIntakeRepository } from '../../repositories/chatIntake.js';
import type { ServiceContext } from '../context.js';
import { matchCustomer, type MatchedBy, type MatchedCustomer } from '../customers/matchCustomer.js';
import { planIntakeAssignments, readIntakeRouting, recordIntakeAssignments, routesAtIntake } from '../routing/intakeRouting.js';
import type { AgentRef } from '../tickets/assignTicket.js';
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
    ticketId: randomUUID(),
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
  ticketId: string;
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
  /** The agent routing gave the chat at once; null: it waits (or routing is manual). */
  assignee: AgentRef | null;
}

/**
 * The intake's writes for chat starts sharing one ticket transaction (services/chat/intakeWriter.ts):
 * each start's customer found or created, then its ticket, session and audit rows and its first
 * message; the facts recorded. With `route` (and routing that gives chats at their start), the
 * routing lock is taken and read first, and each live chat goes at once to an online agent with
 * room — the ticket is opened assigned, with its `ticket.assigned` fact — or into the queue,
 * numbered (`positions`: the places to tell).
 * Round trips whatever the number of starts: the customers (with the routing reads), then the rows.
 */
export async function openChatsInTransaction(
  tx: Transaction,
  facts: TicketFacts,
  requests: IntakeRequest[],
  ctx: ServiceContext,
  options: { route: boolean },
): Promise<{ chats: OpenedChat[]; positions: Array<{ sessionId: string; position: number }> }> {
  const settings = ctx.routing.settings;
  const live = requests.filter((request) => request.input.offline !== true);
  const reading = options.route && routesAtIntake(settings) && live.length > 0 ? readIntakeRouting(tx, settings) : undefined;
  reading?.catch(() => {}); // awaited below, after the customers (a failure fails those too)
  const matched = await Promise.all(
    requests.map(({ input, verified }) =>
      matchCustomer(tx, { email: input.email, phone: input.phone, name: input.name }, verified ? 'verified' : 'visitor'),
    ),
  );
  const plan = reading ? planIntakeAssignments(settings, await reading, live.length) : undefined;
  const assigneeOf = new Map(live.map((request, i) => [request.sessionId, plan?.assignees[i] ?? null]));
  const leftWaiting = plan ? live.filter((request) => !assigneeOf.get(request.sessionId)).map((request) => request.ticketId) : [];
  const [chats, positions] = await Promise.all([
    Promise.all(requests.map((request, i) => insertChat(tx, facts, request, matched[i]!, assigneeOf.get(request.sessionId) ?? null, ctx))),
    plan ? recordIntakeAssignments(tx, plan, leftWaiting) : [],
  ]);
  return { chats, positions };
}

/** One start's rows, once its customer is known: ticket, session, audit rows, first message; its facts. */
async function insertChat(
  tx: Transaction,
  facts: TicketFacts,
  request: IntakeRequest,
  customer: MatchedCustomer,
  assignee: AgentRef | null,
  ctx: ServiceContext,
): Promise<OpenedChat> {
  const { input, verified, now, sessionId, ticketId } = request;
  const { client, returning, matchedBy } = customer;
  const offline = input.offline === true;
  const subject = `Chat iniciado - ${input.name}`;
  const opening = {
    type: 'ticket.created' as const,
    ticketId,
    source: 'chat' as const,
    clientId: client.id,
    sessionId,
    subject,
    returningClient: returning,
    matchedBy,
    verified,
    ...(offline ? { offline: true as const } : {}),
  };
  // Pipelined (one round trip); the server runs them in order, the ticket before the message.
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
      // The intake's statement writes the facts' audit rows (as the customer; the assignment as the system).
      eventData: ticketCreatedAudit(opening).data ?? {},
      assigneeId: assignee?.id ?? null,
    }),
    input.message ? insertFirstMessage(tx, sessionId, { type: 'client', name: input.name }, input.message) : undefined,
  ]);
  const at = opened.createdAt.toISOString();
  facts.recorded(ticketFact.created({ ...opening, ticketNumber: opened.number, at }));
  if (assignee) {
    facts.recorded(
      ticketFact.assigned({ type: 'ticket.assigned', ticketId, ticketNumber: opened.number, at, assigneeId: assignee.id, previousAssigneeId: null }),
    );
  }
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
  return { client, returning, matchedBy, ticketId, ticketNumber: opened.number, firstMessage, assignee: assignee && { id: assignee.id, name: assignee.name } };
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
