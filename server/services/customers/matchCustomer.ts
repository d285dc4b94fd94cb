import type { Transaction } from '../../db/client.js';
import type { CustomerRow } from '../../db/schema.js';
import { customersRepository } from '../../repositories/customers.js';
import { sqlState } from '../../errors.js';

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

const UNIQUE_VIOLATION = '23505';
const MAX_ATTEMPTS = 5;

/**
 * Finds the customer by e-mail, else (unless verified) by phone, else creates it, and counts
 * one more ticket on it — inside the caller's transaction. Race-safe: unique indexes on e-mail
 * and phone decide, and a lost insert race is answered by looking again.
 */
export async function matchCustomer(tx: Transaction, contact: CustomerContact, trust: ContactTrust): Promise<MatchedCustomer> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Both lookups in one statement; the e-mail's answer wins. A verified chat
    // still asks for the phone, only to know whether it may store it on a new customer.
    const { byEmail, byPhone } = await customersRepository.findByContact(tx, contact);

    if (byEmail) return countOn(tx, byEmail, 'email', contact, trust);
    // Someone vouched for an e-mail, not for a phone: a phone never leads a verified chat to
    // another person's record.
    if (byPhone && trust !== 'verified') return countOn(tx, byPhone, 'phone', contact, trust);

    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same e-mail or phone;
    // when that one commits we get nothing back and the next lookup finds its row. A verified
    // newcomer whose phone another customer holds is created without it.
    const created = await customersRepository.insertIfAbsent(tx, byPhone ? { ...contact, phone: null } : contact);
    if (created) return { client: created, returning: false, matchedBy: 'new' };
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
    if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
  }
}
