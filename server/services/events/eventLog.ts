import { is } from 'drizzle-orm';
import { PostgresJsTransaction } from 'drizzle-orm/postgres-js';
import type { AgentEvent, LoggedEvent } from '../../../shared/events.js';
import type { Database, Executor, Transaction } from '../../db/client.js';
import { domainEventsRepository, type LoggedEventRow, type NewLoggedEvent } from '../../repositories/domainEvents.js';
import { toMessage } from '../chat/messageView.js';

/**
 * The event log (PROTOCOL §13): every fact announced to agents is written, in the transaction
 * that makes it true, with a position in the cluster's commit order — its public `eventId`.
 * The two paths that write facts call `logEvents` as their transaction's LAST statement:
 * `inTicketTransaction` (every audited fact) and the message batch (every message). A new
 * kind of fact recorded through them gets its id the same way, with nothing more to do.
 */
export async function logEvents(tx: Executor, events: LoggedEvent[]): Promise<Array<LoggedEvent & { eventId: string }>> {
  if (events.length === 0) return [];
  const last = await domainEventsRepository.append(tx, events.map(toLogRow));
  const first = last - events.length + 1;
  return events.map((event, i) => ({ ...event, eventId: String(first + i) }));
}

/**
 * The message.created events of messages a transaction is inserting (the message batch),
 * logged in the same round trip as the insert: they name the messages, whose `createdAt` is not
 * known yet. Answers each message's eventId.
 */
export async function logMessageEvents(
  tx: Executor,
  messages: Array<{ messageId: string; chat: { sessionId: string; ticketId: string; ticketNumber: number } }>,
): Promise<Map<string, string>> {
  if (messages.length === 0) return new Map();
  const rows: NewLoggedEvent[] = messages.map(({ messageId, chat }) => ({
    ticketId: chat.ticketId,
    type: 'message.created',
    messageId,
    payload: { type: 'message.created', ticketId: chat.ticketId, ticketNumber: chat.ticketNumber, sessionId: chat.sessionId },
  }));
  const last = await domainEventsRepository.append(tx, rows);
  const first = last - rows.length + 1;
  return new Map(messages.map(({ messageId }, i) => [messageId, String(first + i)]));
}

/**
 * A transaction whose last statement is the event log's append, committed with the append still
 * on its way. The append holds the log's position lock until commit, and every writer of the
 * cluster waits on that lock; awaited inside the transaction, the lock was also held for the
 * answer's trip to this node and back with the COMMIT — under load, most of the time it was
 * held. On postgres.js COMMIT is queued on the connection right behind the append instead.
 * `work` starts the append (and the statements sent with it whose answers can wait) without
 * awaiting it and hands back its promise, read here once the transaction resolved: when one of
 * them failed, the COMMIT behind it was a rollback, and this fails as the transaction would
 * have. (PGlite runs a transaction's statements one by one and does not queue COMMIT behind
 * them: there the append is awaited inside, as before.)
 */
export async function transactionLoggingLast<R, L>(
  db: Database,
  work: (tx: Transaction) => Promise<{ result: R; log: Promise<L> }>,
): Promise<{ result: R; logged: L }> {
  const { result, log } = await db.transaction(async (tx) => {
    const done = await work(tx);
    done.log.catch(() => {}); // read below: a failure meanwhile is not an unhandled rejection
    if (!is(tx, PostgresJsTransaction)) await done.log;
    // Wrapped, so the transaction does not wait for it.
    return { result: done.result, log: done.log };
  });
  return { result, logged: await log };
}

/** A message.created row names its message (already in chat_messages) instead of copying it. */
export function toLogRow(event: LoggedEvent): NewLoggedEvent {
  if (event.type === 'message.created') {
    const { message, ...rest } = event;
    return { ticketId: event.ticketId, type: event.type, messageId: message.id, payload: rest };
  }
  return { ticketId: event.ticketId, type: event.type, messageId: null, payload: { ...event } };
}

/** The event a log row holds; undefined for a message.created whose message is gone. */
export function fromLogRow(row: LoggedEventRow): AgentEvent | undefined {
  const eventId = String(row.position);
  if (row.payload.type !== 'message.created') return { ...(row.payload as unknown as LoggedEvent), eventId };
  if (!row.message) return undefined;
  const message = toMessage(row.message);
  return { ...(row.payload as Omit<LoggedEvent & { type: 'message.created' }, 'message'>), message, at: message.createdAt, eventId } as AgentEvent;
}
