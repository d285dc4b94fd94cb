import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { clients, type ClientRow } from '../db/schema.js';

/** SQL for the `clients` table. */
export const clientsRepository = {
  async findById(ex: Executor, id: string): Promise<ClientRow | undefined> {
    const [row] = await ex.select().from(clients).where(eq(clients.id, id));
    return row;
  },

  async findByEmail(ex: Executor, email: string): Promise<ClientRow | undefined> {
    const [row] = await ex.select().from(clients).where(eq(clients.email, email));
    return row;
  },

  async findByPhone(ex: Executor, phone: string): Promise<ClientRow | undefined> {
    const [row] = await ex.select().from(clients).where(eq(clients.phone, phone));
    return row;
  },

  /**
   * Inserts a customer already counting its first ticket, unless one with this e-mail or
   * phone exists (or is being inserted by a concurrent transaction, which this waits for).
   */
  async insertIfAbsent(
    ex: Executor,
    values: { email: string | null; name: string | null; phone: string | null },
  ): Promise<ClientRow | undefined> {
    const [row] = await ex
      .insert(clients)
      .values({ ...values, totalTickets: 1 })
      .onConflictDoNothing()
      .returning();
    return row;
  },

  /** Counts one more ticket and fills an empty name; a filled name is kept. */
  async countTicket(ex: Executor, id: string, name: string | null): Promise<ClientRow> {
    const [row] = await ex
      .update(clients)
      .set({
        totalTickets: sql`${clients.totalTickets} + 1`,
        name: sql`coalesce(${clients.name}, ${name})`,
      })
      .where(eq(clients.id, id))
      .returning();
    if (!row) throw new Error(`client ${id} vanished`);
    return row;
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
  ): Promise<ClientRow | undefined> {
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
};
