import { and, asc, desc, eq, ilike, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { likePattern } from '../db/likePattern.js';
import { rowsOf } from '../db/rows.js';
import { clients, type CustomerRow } from '../db/schema.js';
import { CUSTOMER_COLUMNS, toCustomerRow, type RawCustomer } from './customerRows.js';

const SEARCH_LIMIT = 50;

/** SQL for the `clients` table (customers). */
export const customersRepository = {
  async findById(ex: Executor, id: string): Promise<CustomerRow | undefined> {
    const [row] = await ex.select().from(clients).where(eq(clients.id, id));
    return row;
  },

  /**
   * The customers holding this e-mail and this phone (through clients_email_key and
   * clients_phone_key; the same customer when it holds both) and, in the same statement, the
   * new customer inserted when `insert` says one is due:
   * - `whenNoneFound`: no one holds the e-mail nor the phone;
   * - `withoutTakenPhone`: no one holds the e-mail; the phone is stored only if no one holds it.
   * The insert, counting its first ticket, does nothing on a conflict: it waits for a
   * concurrent insert of the same e-mail or phone and, when that one commits, answers nothing,
   * so the caller looks again.
   */
  async findOrInsertByContact(
    ex: Executor,
    contact: { email: string | null; phone: string | null; name: string | null },
    insert: 'whenNoneFound' | 'withoutTakenPhone',
  ): Promise<{ byEmail?: CustomerRow; byPhone?: CustomerRow; inserted?: CustomerRow }> {
    const insertWhen =
      insert === 'whenNoneFound' ? sql`not exists (select 1 from found)` : sql`not exists (select 1 from found where email = ${contact.email}::text)`;
    const result = await ex.execute(sql`
      with found as (
        select ${CUSTOMER_COLUMNS} from clients where email = ${contact.email}::text or phone = ${contact.phone}::text
      ), inserted as (
        insert into clients (email, name, phone, total_tickets)
        select ${contact.email}::text, ${contact.name}::text,
          case when exists (select 1 from found where phone = ${contact.phone}::text) then null else ${contact.phone}::text end, 1
        where ${insertWhen}
        on conflict do nothing
        returning ${CUSTOMER_COLUMNS}
      )
      select false as inserted, * from found union all select true, * from inserted`);
    const rows = rowsOf<RawCustomer & { inserted: boolean }>(result);
    const found = rows.filter((row) => !row.inserted).map(toCustomerRow);
    const inserted = rows.find((row) => row.inserted);
    return {
      byEmail: contact.email ? found.find((row) => row.email === contact.email) : undefined,
      byPhone: contact.phone ? found.find((row) => row.phone === contact.phone) : undefined,
      inserted: inserted && toCustomerRow(inserted),
    };
  },

  /**
   * Customers whose e-mail or name contains the text, or whose phone is the given E.164 number
   * or contains the typed digits; exact e-mail and phone matches first. A substring of 3
   * characters or more is looked up in the trigram indexes (clients_*_trgm_idx).
   */
  async search(
    ex: Executor,
    search: { text: string; phone: string | null; digits: string | null },
  ): Promise<CustomerRow[]> {
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
  },

  /**
   * Other customers with the same name (case and surrounding spaces ignored) and a different
   * e-mail and phone: perhaps the same person, never merged automatically.
   */
  async findNamesakes(ex: Executor, client: CustomerRow): Promise<CustomerRow[]> {
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
  },

  /** Counts one more ticket and fills an empty name; a filled name is kept. */
  async countTicket(ex: Executor, id: string, name: string | null): Promise<CustomerRow> {
    const result = await ex.execute(sql`
      update clients set total_tickets = total_tickets + 1, name = coalesce(name, ${name}::text), updated_at = now()
      where id = ${id}::uuid
      returning ${CUSTOMER_COLUMNS}`);
    const [row] = rowsOf<RawCustomer>(result);
    if (!row) throw new Error(`client ${id} vanished`);
    return toCustomerRow(row);
  },

  /**
   * Sets one contact field only when it is empty; undefined when it was not (nothing written).
   * Throws a unique violation if another customer holds the e-mail or phone.
   */
  async fillContactField(
    ex: Executor,
    id: string,
    field: 'name' | 'email' | 'phone',
    value: string,
  ): Promise<CustomerRow | undefined> {
    const column = clients[field];
    const [row] = await ex
      .update(clients)
      .set({ [field]: value })
      .where(sql`${clients.id} = ${id} and ${column} is null`)
      .returning();
    return row;
  },

  /** Sets the phone only when it is empty; throws a unique violation if another customer holds it. */
  async fillPhone(ex: Executor, id: string, phone: string): Promise<void> {
    await ex
      .update(clients)
      .set({ phone })
      .where(sql`${clients.id} = ${id} and ${clients.phone} is null`);
  },

  /** Sets the e-mail only when it is empty; throws a unique violation if another customer holds it. */
  async fillEmail(ex: Executor, id: string, email: string): Promise<void> {
    await ex
      .update(clients)
      .set({ email })
      .where(sql`${clients.id} = ${id} and ${clients.email} is null`);
  },

  /** Locks customers in id order, so two merges of the same pair cannot deadlock. */
  async lockInIdOrder(ex: Executor, ids: string[]): Promise<CustomerRow[]> {
    return ex.select().from(clients).where(inArray(clients.id, ids)).orderBy(asc(clients.id)).for('update');
  },

  /** Adds tickets to the count and fills the empty contact fields; filled ones are kept. */
  async absorb(
    ex: Executor,
    id: string,
    from: { totalTickets: number; email: string | null; phone: string | null; name: string | null },
  ): Promise<CustomerRow> {
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
  },

  /** Deletes a customer that no ticket or session references any more. */
  async delete(ex: Executor, id: string): Promise<void> {
    await ex.delete(clients).where(eq(clients.id, id));
  },
};
