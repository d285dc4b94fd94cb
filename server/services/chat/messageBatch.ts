import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.js';
import type { ChatMessageRow } from '../../db/schema.js';
import { messageBatchesRepository, type BatchMessageRow } from '../../repositories/messageBatches.js';
import { ticketEventsRepository, type NewTicketEvent } from '../../repositories/ticketEvents.js';
import { AppError } from '../../errors.js';
import type { ChatRef } from './chatRef.js';
import type { MessageAuthor, PostMessageInput } from './postMessage.js';
import type { StoredMessage } from './storeMessage.js';
import { sessionFull } from './sessionFull.js';

export interface BatchEntry {
  chat: ChatRef;
  author: MessageAuthor;
  input: PostMessageInput;
}

export type BatchOutcome = { ok: true; stored: StoredMessage } | { ok: false; error: AppError };

type Plan =
  | { kind: 'existing'; row: ChatMessageRow }
  | { kind: 'insert'; id: string }
  | { kind: 'duplicate'; id: string }
  | { kind: 'closed' }
  | { kind: 'full' };

const key = (sessionId: string, clientMsgId: string) => `${sessionId} ${clientMsgId}`;

/**
 * Writes many messages, of any sessions, in one transaction of four round trips whatever
 * their number: lock the sessions and look up their clientMsgIds (pipelined), then one
 * multi-row insert, the new last seqs and the agents' audit rows (pipelined), then commit.
 * Per session the seqs continue the session's, gap-free, in the entries' order; an entry
 * whose clientMsgId is stored (or appears earlier in the batch) is answered with that
 * message; an entry of a closed session is refused with CLOSED, and so is one that would take
 * its session past `maxMessages` (decided under the session's lock: concurrent batches never
 * overshoot). Outcomes are in entry order.
 */
export async function writeMessageBatch(
  db: Database,
  entries: BatchEntry[],
  maxMessages: number,
): Promise<BatchOutcome[]> {
  const sessionIds = [...new Set(entries.map((entry) => entry.chat.sessionId))].sort();
  const identified = entries.filter((entry) => entry.input.clientMsgId);

  return db.transaction(async (tx) => {
    // Pipelined and run in this order by the server: the lookup's snapshot is taken after the
    // locks are held, so it sees every message committed by the writers the locks waited for.
    const [active, stored] = await Promise.all([
      messageBatchesRepository.lockActiveSessions(tx, sessionIds),
      identified.length === 0
        ? Promise.resolve([])
        : messageBatchesRepository.findByClientMsgIds(
            tx,
            identified.map((entry) => ({ sessionId: entry.chat.sessionId, clientMsgId: entry.input.clientMsgId! })),
          ),
    ]);
    const lastSeq = new Map(active.map((session) => [session.id, session.lastSeq]));
    const storedByKey = new Map(stored.map((row) => [key(row.sessionId, row.clientMsgId ?? ''), row]));

    const claimed = new Map<string, string>();
    const rows: BatchMessageRow[] = [];
    const audits: NewTicketEvent[] = [];
    const answeredTickets = new Set<string>();
    const plans: Plan[] = entries.map(({ chat, author, input }) => {
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
      const id = randomUUID(); // chosen here so the audit rows go out with the insert
      if (sameId) claimed.set(sameId, id);
      rows.push({
        id,
        sessionId: chat.sessionId,
        seq,
        senderType: author.type,
        agentId: author.agentId ?? null,
        senderName: author.name ?? null,
        body: input.body,
        clientMsgId,
      });
      if (author.type === 'agent') {
        audits.push({
          ticketId: chat.ticketId,
          actorType: 'agent',
          actorId: author.agentId ?? null,
          type: 'message.created',
          data: { sessionId: chat.sessionId, messageId: id, seq },
        });
        answeredTickets.add(chat.ticketId);
      }
      return { kind: 'insert', id };
    });

    const inserted = new Map<string, ChatMessageRow>();
    if (rows.length > 0) {
      const written = new Set(rows.map((row) => row.sessionId));
      const newLastSeqs = new Map([...lastSeq].filter(([sessionId]) => written.has(sessionId)));
      const [insertedRows] = await Promise.all([
        messageBatchesRepository.insertMany(tx, rows),
        messageBatchesRepository.setLastSeqs(tx, newLastSeqs),
        audits.length > 0 ? ticketEventsRepository.append(tx, audits) : undefined,
        answeredTickets.size > 0 ? messageBatchesRepository.markFirstResponses(tx, [...answeredTickets]) : undefined,
      ]);
      for (const row of insertedRows) inserted.set(row.id, row);
    }

    return plans.map((plan): BatchOutcome => {
      switch (plan.kind) {
        case 'existing':
          return { ok: true, stored: { row: plan.row, created: false } };
        case 'closed':
          return { ok: false, error: new AppError('CLOSED', 'This chat is closed') };
        case 'full':
          return { ok: false, error: sessionFull(maxMessages) };
        case 'insert':
        case 'duplicate': {
          const row = inserted.get(plan.id);
          if (!row) throw new Error(`message ${plan.id} missing from the insert's answer`);
          return { ok: true, stored: { row, created: plan.kind === 'insert' } };
        }
      }
    });
  });
}
