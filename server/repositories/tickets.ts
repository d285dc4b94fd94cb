import { and, desc, eq, getTableColumns, gt, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { TicketPriority, TicketSource, TicketStatus } from '../../shared/tickets.js';
import type { Executor } from '../db/client.js';
import { clients, ticketReads, tickets, type TicketRow } from '../db/schema.js';
import { searchCandidateSets, type TicketSearch } from './ticketSearch.js';
import { anyOfIds, eachKeyOf, isEachKey } from '../db/idList.js';
import { rowsOf } from '../db/rows.js';
import { createConcurrencyLimit } from '../db/concurrencyLimit.js';

export type NewTicket = typeof tickets.$inferInsert;

export interface TicketFilters {
  source?: TicketSource;
  status?: TicketStatus;
  clientId?: string;
  /** null: unassigned tickets only. */
  assigneeId?: string | null;
  /** The agent whose read marks give `unreadCount`; none: nothing counts as read. */
  readerId?: string;
  /** Only tickets with customer messages after the reader's mark. */
  unread?: boolean;
  /** Search (PROTOCOL §11): tickets matching any part of it (see ticketSearch.ts). */
  search?: TicketSearch;
  /** Only tickets numbered below this one (the keyset cursor). */
  beforeNumber?: number;
  /** Unset: every matching ticket. */
  limit?: number;
}

export interface ClientBrief {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
}

export type TicketWithClient = TicketRow & { client: ClientBrief };

/** A list row: the ticket, its customer, and what its reader has not read. */
export type TicketListRow = TicketWithClient & { unreadCount: number };

const clientBrief = { id: clients.id, name: clients.name, email: clients.email, phone: clients.phone };

/** The list's filters but the search, on `tickets`; `unread` is the reader's condition as the caller can express it. */
function listConditions(filters: TicketFilters, unread: SQL): (SQL | undefined)[] {
  return [
    // tickets_source_number_idx
    filters.source ? eq(tickets.source, filters.source) : undefined,
    // tickets_status_number_idx
    filters.status ? eq(tickets.status, filters.status) : undefined,
    // tickets_client_number_idx
    filters.clientId ? eq(tickets.clientId, filters.clientId) : undefined,
    // tickets_assignee_number_idx (a btree keeps nulls: unassigned tickets walk it too)
    filters.assigneeId === null ? isNull(tickets.assigneeId) : undefined,
    filters.assigneeId ? eq(tickets.assigneeId, filters.assigneeId) : undefined,
    // no index of its own: checked on each ticket the other filters walk, by ticket_reads_pkey
    filters.unread ? unread : undefined,
    // the cursor: the number tail of the filter's index, or tickets_number_key.
    filters.beforeNumber !== undefined ? lt(tickets.number, filters.beforeNumber) : undefined,
  ];
}

/** The list's filters, cursor included, as a search's candidate sets read them (no ticket_reads join there). */
function searchFilters(filters: TicketFilters): SQL | undefined {
  // The reader's mark is probed by ticket_reads_pkey.
  const read = sql`coalesce((select ${ticketReads.customerMessagesRead} from ${ticketReads}
    where ${ticketReads.agentId} = ${filters.readerId ?? null} and ${ticketReads.ticketId} = ${tickets.id}), 0)`;
  return and(...listConditions(filters, sql`${tickets.customerMessages} > ${read}`));
}

/** SQL for the `tickets` table; reads that show a ticket join its customer's contact. */
export const ticketsRepository = {
  async insert(ex: Executor, values: NewTicket): Promise<TicketRow> {
    const [row] = await ex.insert(tickets).values(values).returning();
    if (!row) throw new Error('ticket insert returned nothing');
    return row;
  },

  async findById(ex: Executor, id: string): Promise<TicketRow | undefined> {
    const [row] = await ex.select().from(tickets).where(eq(tickets.id, id));
    return row;
  },

  /** One ticket, by id or number, with its customer's contact. */
  async findWithClient(ex: Executor, ref: { id: string } | { number: number }): Promise<TicketWithClient | undefined> {
    const [row] = await ex
      .select({ ticket: tickets, client: clientBrief })
      .from(tickets)
      .innerJoin(clients, eq(clients.id, tickets.clientId))
      .where('id' in ref ? eq(tickets.id, ref.id) : eq(tickets.number, ref.number));
    return row ? { ...row.ticket, client: row.client } : undefined;
  },

  /**
   * Tickets newest first by number with their customer and the reader's unread count. The
   * number is unique and only grows, so `number < cursor` pages never repeat or skip a ticket,
   * whatever is inserted meanwhile; each filter has a `(column, number)` index to walk. The
   * unread count is the ticket's counter minus the reader's mark: one primary-key probe of
   * `ticket_reads` per ticket walked, never a count of messages. A search narrows the list to
   * the union of its candidate sets, each walked under every other filter (ticketSearch.ts).
   */
  async listWithClient(ex: Executor, filters: TicketFilters): Promise<TicketListRow[]> {
    const read = sql<number>`coalesce(${ticketReads.customerMessagesRead}, 0)`;
    let conditions = listConditions(filters, gt(tickets.customerMessages, read));
    if (filters.search) {
      const found = await searchCandidates(ex, searchCandidateSets(filters.search, searchFilters(filters), filters.limit));
      if (found.length === 0) return [];
      conditions = [idIn(found)];
    }
    const query = ex
      .select({ ticket: tickets, client: clientBrief, unreadCount: sql<number>`${tickets.customerMessages} - ${read}` })
      .from(tickets)
      .innerJoin(clients, eq(clients.id, tickets.clientId))
      // ticket_reads_pkey; without a reader the join finds nothing and nothing counts as read
      .leftJoin(
        ticketReads,
        and(eq(ticketReads.ticketId, tickets.id), filters.readerId ? eq(ticketReads.agentId, filters.readerId) : sql`false`),
      )
      .where(and(...conditions))
      .orderBy(desc(tickets.number));
    const page = filters.limit === undefined ? query : query.limit(filters.limit);
    const rows = filters.search ? await searchStatements.run(async () => page) : await page;
    return rows.map((row) => ({ ...row.ticket, client: row.client, unreadCount: Number(row.unreadCount) }));
  },

  /** The number of each of these tickets, by id (one query for all). */
  async numbersById(ex: Executor, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await ex
      .select({ id: tickets.id, number: tickets.number })
      .from(eachKeyOf(ids))
      .innerJoin(tickets, isEachKey(tickets.id));
    return new Map(rows.map((row) => [row.id, row.number]));
  },

  /** Id and number of every ticket of a customer, oldest first (tickets_client_number_idx). */
  async listRefsOfClient(ex: Executor, clientId: string): Promise<{ id: string; number: number }[]> {
    return ex.select({ id: tickets.id, number: tickets.number }).from(tickets).where(eq(tickets.clientId, clientId)).orderBy(tickets.number);
  },

  /** Every ticket of a customer, oldest first (tickets_client_number_idx). */
  async listOfClient(ex: Executor, clientId: string): Promise<TicketRow[]> {
    return ex.select().from(tickets).where(eq(tickets.clientId, clientId)).orderBy(tickets.number);
  },

  /** Locks the ticket row until the transaction ends, so concurrent changes diff against the truth. */
  async lock(ex: Executor, id: string): Promise<TicketRow | undefined> {
    const [row] = await ex.select().from(tickets).where(eq(tickets.id, id)).for('update');
    return row;
  },

  /**
   * Locks the ticket row unless another transaction holds it (then undefined: try later).
   * Routing takes tickets this way, so it never waits on a message write holding one.
   */
  async lockUnlessBusy(ex: Executor, id: string): Promise<TicketRow | undefined> {
    const [row] = await ex.select().from(tickets).where(eq(tickets.id, id)).for('update', { skipLocked: true });
    return row;
  },

  /**
   * Locks those of these tickets no other transaction holds, in one statement; the busy ones are
   * left out. The ids go as one jsonb parameter: one statement text whatever their number, so
   * it is prepared once per connection; each is looked up by its key (eachKeyOf).
   */
  async lockManyUnlessBusy(ex: Executor, ids: string[]): Promise<Map<string, TicketRow>> {
    if (ids.length === 0) return new Map();
    const rows = await ex
      .select({ ticket: tickets })
      .from(eachKeyOf(ids))
      .innerJoin(tickets, isEachKey(tickets.id))
      .for('update', { of: tickets, skipLocked: true });
    return new Map(rows.map(({ ticket }) => [ticket.id, ticket]));
  },

  /**
   * The assignee of each of these tickets (null: nobody), read under FOR KEY SHARE in id order:
   * the newest committed one, held until the transaction ends (an assignment, which locks the
   * ticket FOR UPDATE, waits). Message writes' row locks do not conflict with it. Every chat's
   * end runs it: each ticket is looked up by its key (eachKeyOf).
   */
  async lockAssignees(ex: Executor, ids: string[]): Promise<Map<string, string | null>> {
    if (ids.length === 0) return new Map();
    const rows = await ex
      .select({ id: tickets.id, assigneeId: tickets.assigneeId })
      .from(eachKeyOf(ids))
      .innerJoin(tickets, isEachKey(tickets.id))
      .orderBy(tickets.id)
      .for('key share', { of: tickets });
    return new Map(rows.map((row) => [row.id, row.assigneeId]));
  },

  /**
   * Sets each ticket's assignee (`assigneeId` by ticket id; null unassigns) and `updated_at` in
   * one statement, the tickets locked by the caller. Answers the updated rows, in no particular order.
   */
  async setAssignees(ex: Executor, assigneeByTicket: Map<string, string | null>, updatedAt: Date): Promise<TicketRow[]> {
    if (assigneeByTicket.size === 0) return [];
    const byTicket = JSON.stringify(Object.fromEntries(assigneeByTicket));
    return ex
      .update(tickets)
      .set({ assigneeId: sql`(${byTicket}::jsonb ->> ${tickets.id}::text)::uuid`, updatedAt })
      .from(eachKeyOf([...assigneeByTicket.keys()]))
      .where(isEachKey(tickets.id))
      .returning(getTableColumns(tickets));
  },

  async update(ex: Executor, id: string, values: Partial<NewTicket>): Promise<TicketRow | undefined> {
    const [row] = await ex.update(tickets).set(values).where(eq(tickets.id, id)).returning();
    return row;
  },

  /** Hands every ticket of one customer to another; returns the tickets moved. */
  async moveToClient(ex: Executor, fromClientId: string, toClientId: string): Promise<{ id: string; number: number }[]> {
    return ex
      .update(tickets)
      .set({ clientId: toClientId })
      // tickets_client_number_idx
      .where(eq(tickets.clientId, fromClientId))
      .returning({ id: tickets.id, number: tickets.number });
  },

  /**
   * Works out `returning_client` again for every ticket of a customer, by creation time (number
   * breaking ties): set on all but its first. After a merge the customer holds tickets that were
   * each another record's first.
   */
  async markReturning(ex: Executor, clientId: string): Promise<void> {
    await ex.execute(sql`
      update ${tickets} t set returning_client = o.n > 1
      from (
        -- tickets_client_number_idx
        select id, row_number() over (order by created_at, number) as n from ${tickets} where client_id = ${clientId}::uuid
      ) o
      where t.id = o.id and t.returning_client is distinct from (o.n > 1)`);
  },

  /** Escalates once: priority HIGH, `escalated`, `escalated_at`. Nothing when it already was. */
  async markEscalated(ex: Executor, ticketId: string): Promise<{ escalatedAt: Date; priorityBefore: TicketPriority } | undefined> {
    const [before] = await ex.select({ priority: tickets.priority }).from(tickets).where(eq(tickets.id, ticketId));
    const [row] = await ex
      .update(tickets)
      .set({ priority: 'HIGH', escalated: true, escalatedAt: sql`now()` })
      .where(and(eq(tickets.id, ticketId), eq(tickets.escalated, false)))
      .returning({ escalatedAt: tickets.escalatedAt });
    if (!row || !before) return undefined;
    return { escalatedAt: row.escalatedAt ?? new Date(), priorityBefore: before.priority };
  },

  /** Sets the category only while it is still `from`; answers the ticket's update time, or nothing. */
  async replaceCategory(ex: Executor, ticketId: string, from: string, to: string): Promise<Date | undefined> {
    const [row] = await ex
      .update(tickets)
      .set({ category: to })
      .where(and(eq(tickets.id, ticketId), eq(tickets.category, from)))
      .returning({ updatedAt: tickets.updatedAt });
    return row?.updatedAt;
  },
};

/**
 * Search statements running at once on this node (a search's sets, then its page): however many
 * searches come together (a console searching as an agent types, or an agent flooding it), they
 * hold at most this many of the pool's connections, and the rest stay free for chats.
 */
const SEARCH_STATEMENTS_AT_ONCE = 4;
const searchStatements = createConcurrencyLimit(SEARCH_STATEMENTS_AT_ONCE);

/**
 * The ids of a search's candidate sets (ticketSearch.ts), each set in a transaction of its own,
 * all at once: on PostgreSQL each takes a pooled connection, so a search costs its slowest set
 * rather than their sum (inside a caller's transaction, as savepoints on its connection, one
 * after another). A set's fallback steps (rarely run) cost enough on paper to JIT-compile the
 * statement, ~1 s of compiling for one that runs in milliseconds; its plan depends on the text:
 * never a generic plan of the prepared statement; and every step is meant to read indexes:
 * where a text matches a fifth of the customers the planner would rather read them all (the
 * first 2,001 of them: 16 ms at 200,000 customers, against 5 ms by the indexes).
 */
async function searchCandidates(ex: Executor, sets: SQL[]): Promise<string[]> {
  const settings = sql`select set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true), set_config('enable_seqscan', 'off', true)`;
  const candidates = (set: SQL) =>
    searchStatements.run(() =>
      ex.transaction(async (tx) => {
        const [, found] = await Promise.all([tx.execute(settings), tx.execute(set)]);
        return rowsOf<{ id: string }>(found).map((row) => row.id);
      }),
    );
  const found = await Promise.all(sets.map(candidates));
  return [...new Set(found.flat())];
}

/** `tickets.id` among these, as one jsonb parameter (one statement text for any number of ids). */
function idIn(ids: string[]): SQL {
  return sql`${tickets.id} ${anyOfIds(ids)}`;
}
