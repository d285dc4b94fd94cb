import type { Transaction } from '../../db/client.js';
import type { ChatMessageRow } from '../../db/schema.js';
import { messageBatchesRepository } from '../../repositories/messageBatches.js';
import type { MessageAuthor } from './messageEntry.js';
import { messageRow } from './planMessageBatch.js';

/**
 * The message a visitor typed into the intake form, written by the intake's own transaction:
 * seq 1 of a session that same transaction creates (with `last_seq` 1), so there is no lock
 * to take, no clientMsgId to look up, no cap to reach and no agent to audit. Sent pipelined
 * with the intake's insert, it costs no round trip of its own; through the message writer it
 * would cost a second transaction or, inside this one, a lock and an update more.
 */
export async function insertFirstMessage(tx: Transaction, sessionId: string, author: MessageAuthor, body: string): Promise<ChatMessageRow> {
  const [row] = await messageBatchesRepository.insertMany(tx, [messageRow(sessionId, 1, author, body, null)]);
  if (!row) throw new Error('first message insert returned nothing');
  return row;
}
