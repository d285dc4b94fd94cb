import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { mailOutbox, type MailOutboxRow } from '../db/schema.js';

/** An e-mail as a service commits it; the outbox sends it later, from any node. */
export interface NewMail {
  kind: 'late_reply' | 'offline_received' | 'transcript';
  dedupeKey: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  clientId: string | null;
  ticketId: string | null;
}

const afterMs = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000})`;

/** SQL for the `mail_outbox` table (PROTOCOL §9). */
export const mailOutboxRepository = {
  /** Stores the e-mail unless one with its dedupe key exists; true when this call stored it. */
  async enqueue(ex: Executor, mail: NewMail): Promise<boolean> {
    const rows = await ex.insert(mailOutbox).values(mail).onConflictDoNothing({ target: mailOutbox.dedupeKey }).returning({ id: mailOutbox.id });
    return rows.length > 0;
  },

  /**
   * Takes up to `limit` due e-mails for this node to send, in one statement: each one's attempt
   * is counted and it is leased (not due again) for `leaseMs`. Rows another node is claiming
   * right now are skipped, so two nodes never take the same e-mail; one whose sender died is
   * due again when its lease runs out.
   */
  async claim(ex: Executor, limit: number, leaseMs: number): Promise<MailOutboxRow[]> {
    const due = ex
      .select({ id: mailOutbox.id })
      .from(mailOutbox)
      // mail_outbox_due_idx (partial: pending only)
      .where(and(eq(mailOutbox.status, 'pending'), lte(mailOutbox.nextAttemptAt, sql`now()`)))
      .orderBy(asc(mailOutbox.nextAttemptAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return ex
      .update(mailOutbox)
      .set({ attempts: sql`${mailOutbox.attempts} + 1`, leaseUntil: afterMs(leaseMs), nextAttemptAt: afterMs(leaseMs) })
      .where(and(inArray(mailOutbox.id, due), eq(mailOutbox.status, 'pending')))
      .returning();
  },

  /**
   * Marks a claimed e-mail sent. `attempt` fences it: a sender whose lease ran out (and whose
   * e-mail another node took) changes nothing.
   */
  async markSent(ex: Executor, id: string, attempt: number): Promise<boolean> {
    const rows = await ex
      .update(mailOutbox)
      .set({ status: 'sent', sentAt: sql`now()`, leaseUntil: null, lastError: null })
      .where(and(eq(mailOutbox.id, id), eq(mailOutbox.attempts, attempt), eq(mailOutbox.status, 'pending')))
      .returning({ id: mailOutbox.id });
    return rows.length > 0;
  },

  /** A failed attempt: due again after `retryInMs`, or given up for good (`null`), with why. */
  async markFailed(ex: Executor, id: string, attempt: number, error: string, retryInMs: number | null): Promise<void> {
    await ex
      .update(mailOutbox)
      .set(
        retryInMs === null
          ? { status: 'failed', leaseUntil: null, lastError: error }
          : { nextAttemptAt: afterMs(retryInMs), leaseUntil: null, lastError: error },
      )
      .where(and(eq(mailOutbox.id, id), eq(mailOutbox.attempts, attempt), eq(mailOutbox.status, 'pending')));
  },

  async findByDedupeKey(ex: Executor, dedupeKey: string): Promise<MailOutboxRow | undefined> {
    const [row] = await ex.select().from(mailOutbox).where(eq(mailOutbox.dedupeKey, dedupeKey));
    return row;
  },

  /** Every e-mail to a customer (LGPD export), oldest first. */
  async listOfClient(ex: Executor, clientId: string): Promise<MailOutboxRow[]> {
    // mail_outbox_client_idx
    return ex.select().from(mailOutbox).where(eq(mailOutbox.clientId, clientId)).orderBy(asc(mailOutbox.createdAt));
  },
};
