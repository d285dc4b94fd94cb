import type { Executor } from '../../db/client.js';
import { mailOutboxRepository, type NewMail } from '../../repositories/mailOutbox.js';
import type { ServiceContext } from '../context.js';

/**
 * Commits an e-mail to the outbox in the caller's transaction (so it exists exactly when the
 * fact it tells about does); a node sends it after commit. Without SMTP_URL nothing is stored
 * and false is answered. True when this call stored it (not a repeat of its dedupe key).
 * The caller wakes the sender (`ctx.mail.wake()`) after its commit.
 */
export async function enqueueMail(tx: Executor, mail: NewMail, ctx: Pick<ServiceContext, 'mail'>): Promise<boolean> {
  // An erased customer's sessions hold a tombstone where the e-mail was.
  if (!ctx.mail.enabled || !mail.toAddress.includes('@')) return false;
  return mailOutboxRepository.enqueue(tx, mail);
}
