import type { Executor } from '../../db/client.js';
import type { ChatSessionRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import type { ChatRef } from '../chat/chatRef.js';
import type { ServiceContext } from '../context.js';
import { transcriptMail } from './mailTemplates.js';
import { enqueueMail } from './outbox.js';

/** A transcript holds the last this many messages of a conversation (and says how many it left out). */
const TRANSCRIPT_MESSAGES_MAX = 2000;

type TranscriptSession = Pick<ChatSessionRow, 'id' | 'ticketId' | 'clientId' | 'userName' | 'userEmail' | 'locale' | 'lastSeq'>;

/**
 * Commits the e-mail of a chat's whole conversation (every session of its ticket; messages only,
 * never notes) to the session's e-mail, in the caller's transaction. One per state of the
 * session: asked again with no new message (or asked, then sent again on close) stores nothing.
 * False when nothing was stored (mail off, nothing to send, or already queued).
 */
export async function enqueueTranscript(
  tx: Executor,
  session: TranscriptSession,
  ticketNumber: number,
  ctx: Pick<ServiceContext, 'mail' | 'policy'>,
): Promise<boolean> {
  if (!ctx.mail.enabled) return false;
  const { rows, total } = await chatMessagesRepository.listOfTicket(tx, session.ticketId, TRANSCRIPT_MESSAGES_MAX);
  if (total === 0) return false;
  const content = transcriptMail({
    locale: session.locale,
    customerName: session.userName,
    ticketNumber,
    lines: rows,
    omitted: total - rows.length,
    timeZone: ctx.policy.timeZone,
  });
  return enqueueMail(
    tx,
    {
      kind: 'transcript',
      dedupeKey: `transcript:${session.id}:${session.lastSeq}`,
      toAddress: session.userEmail,
      subject: content.subject,
      textBody: content.text,
      htmlBody: content.html,
      clientId: session.clientId,
      ticketId: session.ticketId,
    },
    ctx,
  );
}

/** `chat:transcript` (PROTOCOL §9): the visitor asks for the conversation by e-mail. */
export async function requestTranscript(chat: ChatRef, ctx: ServiceContext): Promise<{ queued: true }> {
  if (!ctx.mail.enabled) throw new AppError('UNAVAILABLE', 'E-mail is not set up on this server (SMTP_URL), so no transcript can be sent');
  await ctx.db.transaction(async (tx) => {
    const session = await chatSessionsRepository.findById(tx, chat.sessionId);
    if (!session) throw new AppError('NOT_FOUND', 'No such chat');
    await enqueueTranscript(tx, session, chat.ticketNumber, ctx);
  });
  ctx.mail.wake();
  return { queued: true };
}
