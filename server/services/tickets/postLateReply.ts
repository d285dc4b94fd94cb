import type { Message } from '../../../shared/chat.js';
import type { AgentRow, ChatSessionRow } from '../../db/schema.js';
import { messageBatchesRepository } from '../../repositories/messageBatches.js';
import type { ChatRef } from '../chat/chatRef.js';
import { linkUrl } from '../chat/chatLinks.js';
import { announceMessage } from '../chat/postMessage.js';
import { toMessage } from '../chat/messageView.js';
import type { ServiceContext } from '../context.js';
import { lateReplyMail } from '../mail/mailTemplates.js';
import { enqueueMail } from '../mail/outbox.js';
import { planMessageBatch } from '../messages/planMessageBatch.js';
import { outcomeOf, writePlannedRows } from '../messages/writeMessageBatch.js';
import { inTicketTransaction } from '../ticketFacts.js';

/**
 * An agent's reply to a chat that has ended (PROTOCOL §9): stored in the same thread (the
 * session's next seq, audited like any agent message) and, in the same transaction, one e-mail
 * to the customer with the reply and a signed `/c/<token>` link that opens the conversation.
 * Idempotent by clientMsgId: a retry answers the stored message and e-mails nothing more.
 * Without SMTP_URL the reply is stored and no e-mail is sent.
 */
export async function postLateReply(
  chat: ChatRef,
  session: ChatSessionRow,
  agent: AgentRow,
  input: { body: string; clientMsgId: string },
  ctx: ServiceContext,
): Promise<Message> {
  const author = { type: 'agent' as const, agentId: agent.id, name: agent.name };
  const stored = await inTicketTransaction(ctx, async (tx) => {
    const [locked, existing] = await Promise.all([
      messageBatchesRepository.lockSession(tx, chat.sessionId),
      messageBatchesRepository.findByClientMsgIds(tx, [{ sessionId: chat.sessionId, clientMsgId: input.clientMsgId }]),
    ]);
    const plan = planMessageBatch([{ chat, author, input }], locked, existing, ctx.policy.maxMessagesPerSession);
    const outcome = outcomeOf(plan.plans[0]!, await writePlannedRows(tx, plan), ctx.policy.maxMessagesPerSession);
    if (!outcome.ok) throw outcome.error;
    if (outcome.stored.created) {
      const link = linkUrl(ctx.policy.publicUrl, ctx.links.issue(session));
      const content = lateReplyMail({
        locale: session.locale,
        customerName: session.userName,
        ticketNumber: chat.ticketNumber,
        agentName: agent.name,
        body: input.body,
        link,
      });
      await enqueueMail(
        tx,
        {
          kind: 'late_reply',
          dedupeKey: `late_reply:${outcome.stored.row.id}`,
          toAddress: session.userEmail,
          subject: content.subject,
          textBody: content.text,
          htmlBody: content.html,
          clientId: session.clientId,
          ticketId: chat.ticketId,
        },
        ctx,
      );
    }
    return outcome.stored;
  });
  const message = toMessage(stored.row);
  if (stored.created) {
    if (stored.eventId === undefined) throw new Error('a stored late reply came back without its eventId');
    announceMessage(chat, message, stored.eventId, ctx);
    ctx.mail.wake();
  }
  return message;
}
