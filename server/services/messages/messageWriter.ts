import type { Database } from '../../db/client.js';
import { timeTransaction, type NodeMetrics } from '../../metrics.js';
import type { MessageAuthor, MessageEntry, MessageInput, MessageTarget, StoredMessage } from './messageEntry.js';
import { writeMessageBatch } from './writeMessageBatch.js';
import { createGroupCommit } from '../groupCommit.js';

/** Where a node's messages are committed; one per node, reached through the ServiceContext. */
export interface MessageWriter {
  /** Resolves once the message is committed (or was already stored under its clientMsgId). */
  write(chat: MessageTarget, author: MessageAuthor, input: MessageInput): Promise<StoredMessage>;
  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void>;
}

export interface MessageWriterOptions {
  /** Messages one session may hold (MAX_MESSAGES_PER_SESSION); past it a write fails with CLOSED. */
  maxMessagesPerSession: number;
  /** Messages in one transaction at most. */
  maxBatch?: number;
  /** Transactions being written at once; the messages that arrive meanwhile wait and go together. */
  maxBatchesInFlight?: number;
}

interface Pending extends MessageEntry {
  resolve(stored: StoredMessage): void;
  reject(error: unknown): void;
}

// A deadlock with another kind of transaction, or a clientMsgId committed by another node
// between the lookup and the insert: the batch is written again from the start.
const RETRYABLE = new Set(['40P01', '40001', '23505']);

/**
 * Group commit, the one way messages are stored: the messages that arrive while earlier ones
 * are being written go into one multi-row transaction, and each is acknowledged only after
 * that transaction commits (a message alone is a batch of one). A session is in one
 * transaction at a time, so its messages take seqs in arrival order. A batch that fails for a
 * reason of its own (not the database being down) is written again message by message, so one
 * bad message never fails the others.
 */
export function createMessageWriter(db: Database, metrics: NodeMetrics, options: MessageWriterOptions): MessageWriter {
  const maxBatch = options.maxBatch ?? 256;
  const busySessions = new Set<string>();

  const group = createGroupCommit<Pending>({
    maxInFlight: options.maxBatchesInFlight ?? 4,
    take: (queue) => takeBatch(queue, busySessions, maxBatch),
    async commit(batch) {
      const outcomes = await timeTransaction(metrics, 'message_batch', () => writeMessageBatch(db, batch, options.maxMessagesPerSession));
      metrics.messageBatchSize.observe(batch.length);
      outcomes.forEach((outcome, i) => {
        if (!outcome.ok) {
          batch[i]!.reject(outcome.error);
          return;
        }
        if (outcome.stored.created) metrics.messagesPersisted.inc({ sender_type: outcome.stored.row.senderType });
        batch[i]!.resolve(outcome.stored);
      });
    },
    retryable: RETRYABLE,
    settled(batch) {
      for (const entry of batch) busySessions.delete(entry.chat.sessionId);
    },
  });

  return {
    write(chat, author, input) {
      return new Promise<StoredMessage>((resolve, reject) => group.push({ chat, author, input, resolve, reject }));
    },
    idle: () => group.idle(),
  };
}

/**
 * Takes out of `queue` the oldest waiting messages whose sessions are not being written, in
 * arrival order, and marks their sessions busy; the others keep their places.
 */
function takeBatch(queue: Pending[], busySessions: Set<string>, maxBatch: number): Pending[] {
  const batch: Pending[] = [];
  const taken = new Set<string>();
  let kept = 0;
  for (let i = 0; i < queue.length; i++) {
    const entry = queue[i]!;
    const sessionId = entry.chat.sessionId;
    if (batch.length < maxBatch && !busySessions.has(sessionId)) {
      batch.push(entry);
      taken.add(sessionId);
    } else {
      queue[kept++] = entry;
    }
  }
  queue.length = kept;
  for (const sessionId of taken) busySessions.add(sessionId);
  return batch;
}
