import { and, asc, desc, eq, ilike, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { chatSessions, clients, tickets, type ClientRow } from '../db/schema.js';

const SEARCH_LIMIT = 50;

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * Customers whose e-mail or name contains the text, or whose phone is the given E.164 number
 * or contains the typed digits; exact e-mail and phone matches first.
 */
export async function searchClients(
  ex: Executor,
  search: { text: string; phone: string | null; digits: string | null },
): Promise<ClientRow[]> {
  const pattern = likePattern(search.text);
  const conditions: (SQL | undefined)[] = [
    ilike(clients.email, pattern),
    ilike(clients.name, pattern),
    search.phone ? eq(clients.phone, search.phone) : undefined,
    search.digits ? ilike(clients.phone, likePattern(search.digits)) : undefined,
  ];
  const exact = or(
    eq(clients.email, search.text.toLowerCase()),
    search.phone ? eq(clients.phone, search.phone) : undefined,
  );
  return ex
    .select()
    .from(clients)
    .where(or(...conditions))
    .orderBy(desc(sql`coalesce(${exact}, false)`), desc(clients.createdAt), asc(clients.id))
    .limit(SEARCH_LIMIT);
}

/**
 * Other customers with the same name (case and surrounding spaces ignored) and a different
 * e-mail and phone: perhaps the same person, never merged automatically.
 */
export async function findNamesakes(ex: Executor, client: ClientRow): Promise<ClientRow[]> {
  if (!client.name?.trim()) return [];
  return ex
    .select()
    .from(clients)
    .where(
      and(
        // lower(name) is what clients_name_idx indexes.
        eq(sql`lower(${clients.name})`, client.name.toLowerCase()),
        ne(clients.id, client.id),
        sql`${clients.email} is distinct from ${client.email}`,
        sql`${clients.phone} is distinct from ${client.phone}`,
      ),
    )
    .orderBy(asc(clients.createdAt), asc(clients.id));
}

/** Locks customers in id order, so two merges of the same pair cannot deadlock. */
export async function lockClients(ex: Executor, ids: string[]): Promise<ClientRow[]> {
  return ex.select().from(clients).where(inArray(clients.id, ids)).orderBy(asc(clients.id)).for('update');
}

/** Hands every ticket of one customer to another; returns the tickets moved. */
export async function moveTickets(
  ex: Executor,
  fromClientId: string,
  toClientId: string,
): Promise<{ id: string; number: number }[]> {
  return ex
    .update(tickets)
    .set({ clientId: toClientId })
    .where(eq(tickets.clientId, fromClientId))
    .returning({ id: tickets.id, number: tickets.number });
}

/** Hands every chat session of one customer to another; returns how many moved. */
export async function moveChatSessions(ex: Executor, fromClientId: string, toClientId: string): Promise<number> {
  const rows = await ex
    .update(chatSessions)
    .set({ clientId: toClientId })
    .where(eq(chatSessions.clientId, fromClientId))
    .returning({ id: chatSessions.id });
  return rows.length;
}

/** Deletes a customer that no ticket or session references any more. */
export async function deleteClient(ex: Executor, id: string): Promise<void> {
  await ex.delete(clients).where(eq(clients.id, id));
}

/** Adds tickets to the count and fills the empty contact fields; filled ones are kept. */
export async function absorbIntoClient(
  ex: Executor,
  id: string,
  from: { totalTickets: number; email: string | null; phone: string | null; name: string | null },
): Promise<ClientRow> {
  const [row] = await ex
    .update(clients)
    .set({
      totalTickets: sql`${clients.totalTickets} + ${from.totalTickets}`,
      email: sql`coalesce(${clients.email}, ${from.email})`,
      phone: sql`coalesce(${clients.phone}, ${from.phone})`,
      name: sql`coalesce(${clients.name}, ${from.name})`,
    })
    .where(eq(clients.id, id))
    .returning();
  if (!row) throw new Error(`client ${id} vanished`);
  return row;
}
