import type { ServiceContext } from '../context.js';
import { createGroupCommit } from '../groupCommit.js';
import { inTicketTransaction } from '../ticketFacts.js';
import { openChatAlone, openChatInTransaction, type IntakeRequest, type OpenedChat } from './startChat.js';

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
 * Group commit for chat starts: the starts that arrive while earlier ones are being written
 * share one transaction — one BEGIN, their statements pipelined, one append to the event log and
 * one COMMIT — and each is answered only after it commits. A visitor's start with none
 * queued beside it is one statement, its own transaction (startChat.ts, openChatAlone).
 * Starts whose writes open savepoints (a verified e-mail fills the stored customer's empty
 * fields, each refusal undone alone) or send e-mail (the offline form) go alone. A batch that
 * fails for a reason of its own (not the database being down) is written again start by start,
 * so one bad start never fails the others.
 */
export function createIntakeWriter(context: () => ServiceContext, options: IntakeWriterOptions = {}): IntakeWriter {
  const maxBatch = options.maxBatch ?? 64;

  const group = createGroupCommit<Pending>({
    maxInFlight: options.maxBatchesInFlight ?? 2,
    take: (queue) => takeBatch(queue, maxBatch),
    async commit(batch) {
      const ctx = context();
      const [first] = batch;
      if (batch.length === 1 && !goesAlone(first!.request)) {
        first!.resolve(await openChatAlone(first!.request, ctx));
        ctx.metrics.chatStartBatchSize.observe(1);
        return;
      }
      const opened = await inTicketTransaction(
        ctx,
        (tx, facts) => Promise.all(batch.map((pending) => openChatInTransaction(tx, facts, pending.request, ctx))),
        { timed: 'chat_start' },
      );
      ctx.metrics.chatStartBatchSize.observe(batch.length);
      opened.forEach((chat, i) => batch[i]!.resolve(chat));
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
 * starts that may share (up to `maxBatch`), the others keeping their places. Sorted by e-mail,
 * so two batches meeting the same customers take their rows in the same order.
 */
function takeBatch(queue: Pending[], maxBatch: number): Pending[] {
  if (queue.length === 0) return [];
  if (goesAlone(queue[0]!.request)) return [queue.shift()!];
  const batch: Pending[] = [];
  let kept = 0;
  for (let i = 0; i < queue.length; i++) {
    const pending = queue[i]!;
    if (batch.length < maxBatch && !goesAlone(pending.request)) batch.push(pending);
    else queue[kept++] = pending;
  }
  queue.length = kept;
  return batch.sort((a, b) => (a.request.input.email < b.request.input.email ? -1 : a.request.input.email > b.request.input.email ? 1 : 0));
}
