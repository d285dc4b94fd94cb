import type { SenderType } from '../../../shared/chat.js';
import type { ChatMessageRow } from '../../db/schema.js';

/** Who a message is from: the customer, an agent (audited), the bot or the system. */
export interface MessageAuthor {
  type: SenderType;
  name?: string;
  agentId?: string;
}

export interface MessageInput {
  body: string;
  /** Chosen by the sender; the same one twice stores one message. Bots and the system send none. */
  clientMsgId?: string;
}

/** The session a message goes into, and the ticket an agent's message is audited on (a ChatRef fits). */
export interface MessageTarget {
  sessionId: string;
  ticketId: string;
  ticketNumber: number;
}

/** One message waiting to be written. */
export interface MessageEntry {
  chat: MessageTarget;
  author: MessageAuthor;
  input: MessageInput;
}

/** A message as the writer answers it: the stored row, and whether this write stored it. */
export interface StoredMessage {
  row: ChatMessageRow;
  created: boolean;
  /** When this write stored it: the eventId of its message.created (services/events/eventLog.ts). */
  eventId?: string;
}
