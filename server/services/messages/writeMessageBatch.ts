import type { Database, Transaction } from '../../db/client.js';
import type { ChatMessageRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { messageBatchesRepository } from '../../repositories/messageBatches.js';
import { ticketEventsRepository } from '../../repositories/ticketEvents.js';
import { logMessageEvents, transactionLoggingLast } from '../events/eventLog.js';
import type { MessageEntry, StoredMessage } from './messageEntry.js';
import { planMessageBatch, type BatchPlan, type EntryPlan } from './planMessageBatch.js';
import { sessionFull } from './sessionFull.js';

export type BatchOutcome = { ok: true; stored: StoredMessage } | { ok: false; error: AppError };

/**
 * Writes many messages, of any sessions, in one transaction of three round trips whatever
 * their number: BEGIN (postgres.js sends it alone), then the sessions' locks and the lookup of
 * their clientMsgIds (pipelined), then one multi-row insert, the new last seqs, the agents'
 * audit rows, the tickets' customer-message counters, the messages' events in the event log
 * and COMMIT (pipelined).
 * An entry of a closed session is refused with CLOSED, and so is one that would take its
 * session past `maxMessages` (decided under the session's lock: concurrent batches never
 * overshoot). Outcomes are in entry order; see planMessageBatch for the rest.
 */
export async function writeMessageBatch(db: Database, entries: MessageEntry[], maxMessages: number): Promise<BatchOutcome[]> {
  const sessionIds = [...new Set(entries.map((entry) => entry.chat.sessionId))].sort();
  const identified = entries.flatMap(({ chat, input }) =>
    input.clientMsgId ? [{ sessionId: chat.sessionId, clientMsgId: input.clientMsgId }] : [],
  );

  const { result, logged } = await transactionLoggingLast(db, async (tx) => {
    // Pipelined and run in this order by the server: the lookup's snapshot is taken after the
    // locks are held, so it sees every message committed by the writers the locks waited for.
    const [locked, stored] = await Promise.all([
      messageBatchesRepository.lockActiveSessions(tx, sessionIds),
      identified.length === 0 ? Promise.resolve([]) : messageBatchesRepository.findByClientMsgIds(tx, identified),
    ]);
    const plan = planMessageBatch(entries, locked, stored, maxMessages);
    const sent = sendPlannedRows(tx, plan);
    // The rows too are read after the commit: COMMIT then goes out with the batch's writes,
    // one round trip (a write that failed fails the transaction, awaited or not).
    return { result: plan, log: Promise.all([sent.rows, sent.eventIds]) };
  });
  const inserted = insertedWithEventIds(...logged);
  return result.plans.map((entryPlan) => outcomeOf(entryPlan, inserted, maxMessages));
}

export interface Inserted {
  row: ChatMessageRow;
  eventId: string;
}

/**
 * The batch's writes, sent together (one round trip): `rows` answers the inserted rows, and
 * `eventIds` the eventIds of their message.created, from the event log's append, which is sent
 * last: it holds the log's position lock until commit (repositories/domainEvents.ts).
 */
export function sendPlannedRows(tx: Transaction, plan: BatchPlan): { rows: Promise<ChatMessageRow[]>; eventIds: Promise<Map<string, string>> } {
  if (plan.rows.length === 0) return { rows: Promise.resolve([]), eventIds: Promise.resolve(new Map()) };
  const rows = Promise.all([
    messageBatchesRepository.insertMany(tx, plan.rows),
    messageBatchesRepository.updateSessions(tx, plan.sessions),
    plan.audits.length > 0 ? ticketEventsRepository.append(tx, plan.audits) : undefined,
    plan.answeredTickets.length > 0 ? messageBatchesRepository.markFirstResponses(tx, plan.answeredTickets) : undefined,
    plan.customerMessages.size > 0 ? messageBatchesRepository.countCustomerMessages(tx, plan.customerMessages) : undefined,
  ]).then(([inserted]) => inserted);
  const eventIds = logMessageEvents(tx, plan.created);
  eventIds.catch(() => {}); // its reader may never come: a statement before it failed, and the transaction with it
  return { rows, eventIds };
}

/** The batch's writes, awaited inside the transaction (a late reply writes more after them). */
export async function writePlannedRows(tx: Transaction, plan: BatchPlan): Promise<Map<string, Inserted>> {
  const sent = sendPlannedRows(tx, plan);
  const [rows, eventIds] = await Promise.all([sent.rows, sent.eventIds]);
  return insertedWithEventIds(rows, eventIds);
}

function insertedWithEventIds(rows: ChatMessageRow[], eventIds: Map<string, string>): Map<string, Inserted> {
  return new Map(rows.map((row) => [row.id, { row, eventId: eventIds.get(row.id)! }]));
}

export function outcomeOf(plan: EntryPlan, inserted: Map<string, Inserted>, maxMessages: number): BatchOutcome {
  switch (plan.kind) {
    case 'existing':
      return { ok: true, stored: { row: plan.row, created: false } };
    case 'closed':
      return { ok: false, error: new AppError('CLOSED', 'This chat is closed') };
    case 'full':
      return { ok: false, error: sessionFull(maxMessages) };
    case 'insert':
    case 'duplicate': {
      const written = inserted.get(plan.id);
      if (!written) throw new Error(`message ${plan.id} missing from the insert's answer`);
      if (plan.kind === 'duplicate') return { ok: true, stored: { row: written.row, created: false } };
      return { ok: true, stored: { row: written.row, created: true, eventId: written.eventId } };
    }
  }
}
