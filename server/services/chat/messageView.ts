import type { Message } from '../../../shared/chat.js';
import type { ChatMessageRow } from '../../db/schema.js';

/** The wire shape of a stored message (PROTOCOL §2 "Message"). */
export function toMessage(row: ChatMessageRow): Message {
  const message: Message = {
    id: row.id,
    sessionId: row.sessionId,
    seq: row.seq,
    senderType: row.senderType,
    body: row.body,
    createdAt: row.createdAt.toISOString(),
  };
  if (row.senderName) message.senderName = row.senderName;
  if (row.clientMsgId) message.clientMsgId = row.clientMsgId;
  return message;
}
