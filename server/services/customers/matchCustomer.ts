import type { Transaction } from '../../db/client.js';
import type { ClientRow } from '../../db/schema.js';
import { clientsRepository } from '../../repositories/clients.js';
import { sqlState } from '../../errors.js';

export interface CustomerContact {
  email: string | null;
  phone: string | null;
  name: string | null;
}

export interface MatchedCustomer {
  client: ClientRow;
  /** True when the customer existed before this ticket. */
  returning: boolean;
}

const UNIQUE_VIOLATION = '23505';
const MAX_ATTEMPTS = 5;

/**
 * Finds the customer by e-mail, else by phone, else creates it, and counts one more ticket
 * on it — inside the caller's transaction. Race-safe: unique indexes on e-mail and phone
 * decide, and a lost insert race is answered by looking again.
 */
export async function matchCustomer(tx: Transaction, contact: CustomerContact): Promise<MatchedCustomer> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Both lookups in one round trip (pipelined); the e-mail's answer wins, as before.
    const [byEmail, byPhone] = await Promise.all([
      contact.email ? clientsRepository.findByEmail(tx, contact.email) : undefined,
      contact.phone ? clientsRepository.findByPhone(tx, contact.phone) : undefined,
    ]);
    const existing = byEmail ?? byPhone;

    if (existing) {
      await fillEmptyContactFields(tx, existing, contact);
      const client = await clientsRepository.countTicket(tx, existing.id, contact.name);
      return { client, returning: true };
    }

    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same e-mail or phone;
    // when that one commits we get nothing back and the next lookup finds its row.
    const created = await clientsRepository.insertIfAbsent(tx, contact);
    if (created) return { client: created, returning: false };
  }
  throw new Error('customer matching did not settle');
}

/**
 * Fills an empty phone or e-mail from the form. When another customer already holds that
 * value the field stays empty (one customer per phone, one per e-mail); the savepoint keeps
 * that refusal from aborting the intake.
 */
async function fillEmptyContactFields(tx: Transaction, client: ClientRow, contact: CustomerContact) {
  if (!client.phone && contact.phone) {
    await ignoreUniqueViolation(tx, (sp) => clientsRepository.fillPhone(sp, client.id, contact.phone!));
  }
  if (!client.email && contact.email) {
    await ignoreUniqueViolation(tx, (sp) => clientsRepository.fillEmail(sp, client.id, contact.email!));
  }
}

async function ignoreUniqueViolation(tx: Transaction, work: (savepoint: Transaction) => Promise<void>) {
  try {
    await tx.transaction(work);
  } catch (error) {
    if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
  }
}
