import { sql } from 'drizzle-orm';
import type { ChatMessageRow } from '../db/schema.js';

/**
 * A `chat_messages` row as raw SQL reads it. The hot paths (the message batch, a resume) read
 * messages without Drizzle: building a select was most of a resume's CPU in a reconnect storm.
 */
export interface RawMessage {
  id: string;
  session_id: string;
  seq: number;
  sender_type: ChatMessageRow['senderType'];
  agent_id: string | null;
  sender_name: string | null;
  body: string;
  client_msg_id: string | null;
  created_ms: string | number | bigint;
}

// created_at as whole epoch milliseconds, truncated like Drizzle's Date mapping, so a message
// read here and the same message read through Drizzle answer the same `createdAt`.
export const MESSAGE_COLUMNS = sql.raw(
  'id, session_id, seq, sender_type, agent_id, sender_name, body, client_msg_id, floor(extract(epoch from created_at) * 1000)::int8 as created_ms',
);

export function toMessageRow(raw: RawMessage): ChatMessageRow {
  return {
    id: raw.id,
    sessionId: raw.session_id,
    seq: Number(raw.seq),
    senderType: raw.sender_type,
    agentId: raw.agent_id,
    senderName: raw.sender_name,
    body: raw.body,
    clientMsgId: raw.client_msg_id,
    createdAt: new Date(Number(raw.created_ms)),
  };
}
