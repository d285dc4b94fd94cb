import { randomUUID } from 'node:crypto';
import type { ChatMessageRow } from '../../db/schema.js';
import type { BatchMessageRow } from '../../repositories/messageBatches.js';
import type { NewTicketEvent } from '../../repositories/ticketEvents.js';
import type { MessageAuthor, MessageEntry, MessageTarget } from './messageEntry.js';

/** What becomes of one entry of a batch. */
export type EntryPlan =
  | { kind: 'existing'; row: ChatMessageRow }
  | { kind: 'insert'; id: string }
  | { kind: 'duplicate'; id: string }
  | { kind: 'closed' }
  | { kind: 'full' };

/** A batch decided under its sessions' locks: one plan per entry and the rows to write. */
export interface BatchPlan {
  plans: EntryPlan[];
  rows: BatchMessageRow[];
  /** The last seq of each session that takes a message. */
  lastSeqs: Map<string, number>;
  audits: NewTicketEvent[];
  /** Tickets an agent answered in this batch (their first response, if it is the first). */
  answeredTickets: string[];
  /** How many customer messages each ticket takes in this batch (its unread counter). */
  customerMessages: Map<string, number>;
  /** The messages this batch stores, in order, each with its chat: their message.created events. */
  created: Array<{ messageId: string; chat: MessageTarget }>;
}

const key = (sessionId: string, clientMsgId: string) => `${sessionId} ${clientMsgId}`;

/**
 * Decides every entry of a batch from what the transaction read under the locks: `locked`
 * holds the active sessions' last seqs (a session absent from it is closed), `stored` the
 * messages already under the entries' clientMsgIds. Per session the seqs continue gap-free in
 * entry order; a clientMsgId stored, or earlier in the batch, answers with that message; past
 * `maxMessages` a session takes nothing more.
 */
export function planMessageBatch(
  entries: MessageEntry[],
  locked: Array<{ id: string; lastSeq: number }>,
  stored: ChatMessageRow[],
  maxMessages: number,
): BatchPlan {
  const lastSeq = new Map(locked.map((session) => [session.id, session.lastSeq]));
  const storedByKey = new Map(stored.map((row) => [key(row.sessionId, row.clientMsgId ?? ''), row]));
  const claimed = new Map<string, string>();
  const rows: BatchMessageRow[] = [];
  const audits: NewTicketEvent[] = [];
  const answeredTickets = new Set<string>();
  const customerMessages = new Map<string, number>();
  const created: BatchPlan['created'] = [];

  const plans = entries.map(({ chat, author, input }): EntryPlan => {
    const clientMsgId = input.clientMsgId ?? null;
    const sameId = clientMsgId ? key(chat.sessionId, clientMsgId) : undefined;
    const existing = sameId ? storedByKey.get(sameId) : undefined;
    if (existing) return { kind: 'existing', row: existing };
    const earlier = sameId ? claimed.get(sameId) : undefined;
    if (earlier) return { kind: 'duplicate', id: earlier };
    const last = lastSeq.get(chat.sessionId);
    if (last === undefined) return { kind: 'closed' };
    if (last >= maxMessages) return { kind: 'full' };

    const seq = last + 1;
    lastSeq.set(chat.sessionId, seq);
    const row = messageRow(chat.sessionId, seq, author, input.body, clientMsgId);
    if (sameId) claimed.set(sameId, row.id);
    rows.push(row);
    created.push({ messageId: row.id, chat });
    if (author.type === 'agent') {
      audits.push(agentMessageAudit(chat, author, row.id, seq));
      answeredTickets.add(chat.ticketId);
    }
    if (author.type === 'client') customerMessages.set(chat.ticketId, (customerMessages.get(chat.ticketId) ?? 0) + 1);
    return { kind: 'insert', id: row.id };
  });

  const written = new Set(rows.map((row) => row.sessionId));
  const lastSeqs = new Map([...lastSeq].filter(([sessionId]) => written.has(sessionId)));
  return { plans, rows, lastSeqs, audits, answeredTickets: [...answeredTickets], customerMessages, created };
}

/** A message row with its id chosen here, so rows that refer to it go out with its insert. */
export function messageRow(
  sessionId: string,
  seq: number,
  author: MessageAuthor,
  body: string,
  clientMsgId: string | null,
): BatchMessageRow {
  return {
    id: randomUUID(),
    sessionId,
    seq,
    senderType: author.type,
    agentId: author.agentId ?? null,
    senderName: author.name ?? null,
    body,
    clientMsgId,
  };
}

/** The audit row of an agent's message (the ticket's trail shows who answered, and when). */
function agentMessageAudit(chat: MessageTarget, author: MessageAuthor, messageId: string, seq: number): NewTicketEvent {
  return {
    ticketId: chat.ticketId,
    actorType: 'agent',
    actorId: author.agentId ?? null,
    type: 'message.created',
    data: { sessionId: chat.sessionId, messageId, seq },
  };
}
