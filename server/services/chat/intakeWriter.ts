import type { ServiceContext } from '../context.js';
import { createGroupCommit } from '../groupCommit.js';
import { inTicketTransaction } from '../ticketFacts.js';
import { openChatInTransaction, openVisitorChats, type IntakeRequest, type OpenedChat } from './startChat.js';

/** Where a node's chat starts are committed; one per node, reached through the ServiceContext. */
export interface IntakeWriter {
  /** Resolves once the chat's customer, ticket and session are committed. */
  open(request: IntakeRequest): Promise<OpenedChat>;
  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void>;
}

export interface IntakeWriterOptions {
  /** Chat starts in one transaction at most. */
  maxBatch?: number;
  /** Transactions being written at once; the starts that arrive meanwhile wait and go together. */
  maxBatchesInFlight?: number;
}

interface Pending {
  request: IntakeRequest;
  resolve(opened: OpenedChat): void;
  reject(error: unknown): void;
}

// A deadlock: two transactions met the same customers in another order (two tabs of one person
// in two batches). The batch is written again from the start.
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Group commit for chat starts: the visitors' starts that arrive while earlier ones are being
 * written share one statement, its own transaction — their customers, tickets, sessions and
 * first messages, one append to the event log, one commit (startChat.ts, openVisitorChats) —
 * and each is answered only after it commits. Starts whose writes open savepoints (a verified
 * e-mail fills the stored customer's empty fields, each refusal undone alone) or send e-mail
 * (the offline form) go alone, each in a transaction of its own. A batch that fails for a
 * reason of its own (not the database being down) is written again start by start, so one bad
 * start never fails the others.
 */
export function createIntakeWriter(context: () => ServiceContext, options: IntakeWriterOptions = {}): IntakeWriter {
  const maxBatch = options.maxBatch ?? 64;

  const group = createGroupCommit<Pending>({
    maxInFlight: options.maxBatchesInFlight ?? 2,
    take: (queue) => takeBatch(queue, maxBatch),
    async commit(batch) {
      const ctx = context();
      if (!goesAlone(batch[0]!.request)) {
        const opened = await openVisitorChats(batch.map((pending) => pending.request), ctx);
        ctx.metrics.chatStartBatchSize.observe(batch.length);
        opened.forEach((chat, i) => batch[i]!.resolve(chat));
        return;
      }
      const [pending] = batch; // a start that goes alone
      const opened = await inTicketTransaction(ctx, (tx, facts) => openChatInTransaction(tx, facts, pending!.request, ctx), { timed: 'chat_start' });
      ctx.metrics.chatStartBatchSize.observe(1);
      pending!.resolve(opened);
    },
    retryable: RETRYABLE,
  });

  return {
    open(request) {
      return new Promise<OpenedChat>((resolve, reject) => group.push({ request, resolve, reject }));
    },
    idle: () => group.idle(),
  };
}

/** A start whose writes cannot share a transaction with others' pipelined statements. */
function goesAlone(request: IntakeRequest): boolean {
  return request.verified || request.input.offline === true;
}

/**
 * Takes out of `queue` the next batch: the oldest start alone when it goes alone, else the oldest
 * visitors' starts (up to `maxBatch`) of which no two share an e-mail or a phone (the statement
 * that writes them finds every customer in one snapshot: the second of two such starts must
 * find the customer the first creates, so it waits for the next batch); the others keep their
 * places.
 */
function takeBatch(queue: Pending[], maxBatch: number): Pending[] {
  if (queue.length === 0) return [];
  if (goesAlone(queue[0]!.request)) return [queue.shift()!];
  const batch: Pending[] = [];
  const contacts = new Set<string>();
  let kept = 0;
  for (let i = 0; i < queue.length; i++) {
    const pending = queue[i]!;
    const { email, phone } = pending.request.input;
    const joins = batch.length < maxBatch && !goesAlone(pending.request) && !contacts.has(`e:${email}`) && !contacts.has(`p:${phone}`);
    if (joins) {
      batch.push(pending);
      contacts.add(`e:${email}`).add(`p:${phone}`);
    } else {
      queue[kept++] = pending;
    }
  }
  queue.length = kept;
  return batch;
}
