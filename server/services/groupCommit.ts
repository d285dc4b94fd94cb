import { isDatabaseUnavailable, sqlState } from '../errors.js';

/** A queue of writes committed in groups: what arrives while earlier groups are being written goes together. */
export interface GroupCommit<E> {
  /** Queues an entry; `write` gets it in a later group. */
  push(entry: E): void;
  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void>;
}

/** An entry of a group: failed alone when its group cannot be written. */
export interface GroupEntry {
  reject(error: unknown): void;
}

export interface GroupCommitOptions<E extends GroupEntry> {
  /** Groups being written at once; the entries that arrive meanwhile wait and go together. */
  maxInFlight: number;
  /** Takes the next group out of the queue (the rest keep their places); empty: none can go now. */
  take(queue: E[]): E[];
  /** Writes a group in one transaction and settles each entry; throws when the transaction failed (none settled). */
  commit(group: E[]): Promise<void>;
  /** SQL states for which the same group is written again from the start (a deadlock, say). */
  retryable: ReadonlySet<string>;
  /** After a group is settled, however. */
  settled?(group: E[]): void;
}

const MAX_ATTEMPTS = 3;

/**
 * Group commit (the message writer, the chat intake): entries queue, and after the current turn
 * of the event loop (so entries that arrived together leave together) as many groups as may be
 * in flight are taken and written; each group that ends lets the next go. A group whose
 * transaction fails for a reason of its own (not the database being down) is written again
 * entry by entry, so one bad entry never fails the others.
 */
export function createGroupCommit<E extends GroupEntry>(options: GroupCommitOptions<E>): GroupCommit<E> {
  const queue: E[] = [];
  let inFlight = 0;
  let scheduled = false;
  let idleWaiters: Array<() => void> = [];

  function settleIdle() {
    if (inFlight > 0 || queue.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function schedule() {
    if (scheduled || inFlight >= options.maxInFlight || queue.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  }

  function flush() {
    scheduled = false;
    while (inFlight < options.maxInFlight) {
      const group = options.take(queue);
      if (group.length === 0) break;
      inFlight++;
      void write(group).finally(() => {
        options.settled?.(group);
        inFlight--;
        schedule();
        settleIdle();
      });
    }
  }

  async function write(group: E[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.commit(group);
        return;
      } catch (error) {
        const state = sqlState(error);
        if (state && options.retryable.has(state) && attempt < MAX_ATTEMPTS) continue;
        if (group.length > 1 && !isDatabaseUnavailable(error)) {
          for (const entry of group) await write([entry]);
          return;
        }
        for (const entry of group) entry.reject(error);
        return;
      }
    }
  }

  return {
    push(entry) {
      queue.push(entry);
      schedule();
    },
    idle: () => new Promise<void>((resolve) => (inFlight === 0 && queue.length === 0 ? resolve() : idleWaiters.push(resolve))),
  };
}
