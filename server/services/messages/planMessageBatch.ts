import { randomUUID } from 'node:crypto';
import type { ChatMessageRow } from '../../db/schema.js';
import type { BatchMessageRow, SessionWrite } from '../../repositories/messageBatches.js';
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
  /** What changes on each session that takes a message: its last seq, its first-response facts. */
  sessions: Map<string, SessionWrite>;
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
  const sessions = new Map<string, SessionWrite>();

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
    sessions.set(chat.sessionId, nextWrite(sessions.get(chat.sessionId), seq, author.type));
    if (author.type === 'agent') {
      audits.push(agentMessageAudit(chat, author, row.id, seq));
      answeredTickets.add(chat.ticketId);
    }
    if (author.type === 'client') customerMessages.set(chat.ticketId, (customerMessages.get(chat.ticketId) ?? 0) + 1);
    return { kind: 'insert', id: row.id };
  });

  return { plans, rows, sessions, audits, answeredTickets: [...answeredTickets], customerMessages, created };
}

/**
 * A session's write with one more message of `sender`, in seq order: an agent's message after
 * a customer's of the same batch is a reply whatever the session held before (both are
 * written at the transaction's now(), a response of 0 ms); one before it is not.
 */
function nextWrite(write: SessionWrite | undefined, seq: number, sender: MessageAuthor['type']): SessionWrite {
  const { customer = false, agent = false, agentAfterCustomer = false } = write ?? {};
  return {
    lastSeq: seq,
    customer: customer || sender === 'client',
    agent: agent || sender === 'agent',
    agentAfterCustomer: agentAfterCustomer || (customer && sender === 'agent'),
  };
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
