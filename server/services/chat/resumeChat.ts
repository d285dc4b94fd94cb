import { RESUME_PAGE_MESSAGES, type ChatResumed, type ChatTranscript } from '../../../shared/chat.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import type { ServiceContext } from '../context.js';
import type { ChatRef } from './chatRef.js';
import { toMessage } from './messageView.js';

/**
 * Bodies in one page at most (UTF-8 bytes). With 4000-character bodies of multi-byte text, 200
 * messages could reach 2.4 MB: one packet past the 1 MiB output cap a socket is dropped at.
 * A page always holds at least one message.
 */
const RESUME_PAGE_BYTES = 512 * 1024;

/** Re-attaches an authenticated visitor to their session: the next page after `lastSeq`; closed sessions read-only. */
export async function resumeChat(
  authenticated: { chat: ChatRef; status: ChatTranscript['status']; continuable: boolean },
  lastSeq: number | undefined,
  ctx: ServiceContext,
): Promise<ChatResumed> {
  const { chat, status } = authenticated;
  const transcript = await readTranscript(chat, status, lastSeq ?? 0, ctx);
  return { ...transcript, ticketId: chat.ticketId, ...continuableFlag(status, authenticated.continuable) };
}

/** `continuable: true` on an ended chat opened by a `/c/` link: the customer may still write (PROTOCOL §9). */
export function continuableFlag(status: ChatTranscript['status'], continuable: boolean): { continuable?: true } {
  return status === 'closed' && continuable ? { continuable: true } : {};
}

/**
 * The session's next page of messages after `afterSeq`, in seq order, and whether more follow.
 * The status is read before the messages: a session never takes a message after it closes,
 * so nothing can be missed.
 */
export async function readTranscript(
  chat: ChatRef,
  status: ChatTranscript['status'],
  afterSeq: number,
  ctx: ServiceContext,
): Promise<ChatTranscript> {
  // One more than a page: its presence is what `hasMore` says.
  const rows = await chatMessagesRepository.listAfter(ctx.db, chat.sessionId, afterSeq, RESUME_PAGE_MESSAGES + 1);
  let count = 0;
  let bytes = 0;
  while (count < rows.length && count < RESUME_PAGE_MESSAGES) {
    bytes += Buffer.byteLength(rows[count]!.body);
    if (count > 0 && bytes > RESUME_PAGE_BYTES) break;
    count++;
  }
  return {
    sessionId: chat.sessionId,
    ticketNumber: chat.ticketNumber,
    status,
    messages: rows.slice(0, count).map(toMessage),
    hasMore: rows.length > count,
  };
}
