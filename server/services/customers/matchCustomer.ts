import type { Transaction } from '../../db/client.js';
import type { CustomerRow } from '../../db/schema.js';
import { customersRepository } from '../../repositories/customers.js';
import { isUniqueViolation } from '../../errors.js';

export interface CustomerContact {
  email: string | null;
  phone: string | null;
  name: string | null;
}

/**
 * Whose word the contact is (PROTOCOL §7):
 * - `agent`: an agent typed it (tickets.create): found by e-mail, else phone; empty fields filled.
 * - `verified`: the host site vouched for the e-mail (identityHash): found by e-mail only, never
 *   by phone; empty fields filled.
 * - `visitor`: an anonymous visitor's claim: found by e-mail, else phone; the stored customer
 *   is never written (what it lacks becomes a contact suggestion for agents).
 */
export type ContactTrust = 'agent' | 'verified' | 'visitor';

export type MatchedBy = 'email' | 'phone' | 'new';

export interface MatchedCustomer {
  client: CustomerRow;
  /** True when the customer existed before this ticket. */
  returning: boolean;
  matchedBy: MatchedBy;
}

const MAX_ATTEMPTS = 5;

/**
 * Finds the customer by e-mail, else (unless verified) by phone, else creates it, and counts
 * one more ticket on it — inside the caller's transaction. Race-safe: unique indexes on e-mail
 * and phone decide, and a lost insert race is answered by looking again.
 */
export async function matchCustomer(tx: Transaction, contact: CustomerContact, trust: ContactTrust): Promise<MatchedCustomer> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // One statement: both look-ups, and the insert of a newcomer when they find no one (the
    // e-mail's answer wins). A verified newcomer whose phone another customer holds is created
    // without it: someone vouched for an e-mail, not for a phone, so a phone never leads a
    // verified chat to another person's record.
    const { byEmail, byPhone, inserted } = await customersRepository.findOrInsertByContact(
      tx,
      contact,
      trust === 'verified' ? 'withoutTakenPhone' : 'whenNoneFound',
    );
    if (byEmail) return countOn(tx, byEmail, 'email', contact, trust);
    if (byPhone && trust !== 'verified') return countOn(tx, byPhone, 'phone', contact, trust);
    if (inserted) return { client: inserted, returning: false, matchedBy: 'new' };
    // Nothing found and nothing inserted: a concurrent insert of this e-mail or phone won the
    // race (ON CONFLICT DO NOTHING waited for it); the next look finds its row.
  }
  throw new Error('customer matching did not settle');
}

async function countOn(
  tx: Transaction,
  existing: CustomerRow,
  matchedBy: MatchedBy,
  contact: CustomerContact,
  trust: ContactTrust,
): Promise<MatchedCustomer> {
  // A visitor's claim never writes the stored customer: only the ticket is counted.
  if (trust === 'visitor') {
    return { client: await customersRepository.countTicket(tx, existing.id, null), returning: true, matchedBy };
  }
  await fillEmptyContactFields(tx, existing, contact);
  const client = await customersRepository.countTicket(tx, existing.id, contact.name);
  return { client, returning: true, matchedBy };
}

/**
 * Fills an empty phone or e-mail from the form. When another customer already holds that
 * value the field stays empty (one customer per phone, one per e-mail); the savepoint keeps
 * that refusal from aborting the intake.
 */
async function fillEmptyContactFields(tx: Transaction, client: CustomerRow, contact: CustomerContact) {
  if (!client.phone && contact.phone) {
    await ignoreUniqueViolation(tx, (sp) => customersRepository.fillPhone(sp, client.id, contact.phone!));
  }
  if (!client.email && contact.email) {
    await ignoreUniqueViolation(tx, (sp) => customersRepository.fillEmail(sp, client.id, contact.email!));
  }
}

async function ignoreUniqueViolation(tx: Transaction, work: (savepoint: Transaction) => Promise<void>) {
  try {
    await tx.transaction(work);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}
