import { and, asc, count, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AgentStatus } from '../../shared/agentApi.js';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { agents, type AgentRow } from '../db/schema.js';
import { anyOfIds } from '../db/idList.js';

export type NewAgent = typeof agents.$inferInsert;

/** SQL for the `agents` table. Tokens are looked up by their SHA-256 only. */
export const agentsRepository = {
  async insert(ex: Executor, values: NewAgent): Promise<AgentRow> {
    const [row] = await ex.insert(agents).values(values).returning();
    if (!row) throw new Error('agent insert returned nothing');
    return row;
  },

  async findById(ex: Executor, id: string): Promise<AgentRow | undefined> {
    const [row] = await ex.select().from(agents).where(eq(agents.id, id));
    return row;
  },

  /** These agents (revoked ones included), in one statement whatever their number. */
  async findManyById(ex: Executor, ids: string[]): Promise<AgentRow[]> {
    if (ids.length === 0) return [];
    return ex
      .select()
      .from(agents)
      .where(sql`${agents.id} ${anyOfIds(ids)}`);
  },

  async findByEmail(ex: Executor, email: string): Promise<AgentRow | undefined> {
    const [row] = await ex.select().from(agents).where(eq(agents.email, email));
    return row;
  },

  async findByTokenHash(ex: Executor, tokenHash: string): Promise<AgentRow | undefined> {
    const [row] = await ex.select().from(agents).where(eq(agents.tokenHash, tokenHash));
    return row;
  },

  /** The agent holding this token, unless it was revoked. */
  async findActiveByTokenHash(ex: Executor, tokenHash: string): Promise<AgentRow | undefined> {
    const [row] = await ex
      .select()
      .from(agents)
      .where(and(eq(agents.tokenHash, tokenHash), isNull(agents.revokedAt)));
    return row;
  },

  /** Of these agents, the unrevoked ones and their current token hash (one query for all). */
  async findActiveTokenHashes(ex: Executor, ids: string[]): Promise<{ id: string; tokenHash: string }[]> {
    if (ids.length === 0) return [];
    return ex
      .select({ id: agents.id, tokenHash: agents.tokenHash })
      .from(agents)
      .where(and(inArray(agents.id, ids), isNull(agents.revokedAt)));
  },

  async list(ex: Executor): Promise<AgentRow[]> {
    return ex.select().from(agents).orderBy(asc(agents.createdAt), asc(agents.email));
  },

  async countAll(ex: Executor): Promise<number> {
    const [row] = await ex.select({ n: count() }).from(agents);
    return row?.n ?? 0;
  },

  async update(ex: Executor, id: string, values: Partial<NewAgent>): Promise<AgentRow | undefined> {
    const [row] = await ex.update(agents).set(values).where(eq(agents.id, id)).returning();
    return row;
  },

  /** Revokes once; a revoked agent keeps its first revocation time. */
  async revoke(ex: Executor, id: string): Promise<AgentRow | undefined> {
    const [row] = await ex
      .update(agents)
      .set({ revokedAt: sql`coalesce(${agents.revokedAt}, now())` })
      .where(eq(agents.id, id))
      .returning();
    return row;
  },

  /** Sets the status the agent asks for; also a sign of life. `status_changed_at` moves only on a change. */
  async setStatus(ex: Executor, id: string, status: AgentStatus): Promise<AgentRow | undefined> {
    const [row] = await ex
      .update(agents)
      .set({
        status,
        statusChangedAt: sql`case when ${agents.status} = ${status} then ${agents.statusChangedAt} else now() end`,
        lastSeenAt: sql`now()`,
      })
      .where(eq(agents.id, id))
      .returning();
    return row;
  },

  /**
   * Marks these agents seen now (one statement for all, rows locked in id order so two nodes'
   * refreshes never deadlock) and answers those that came back to life with `online` asked:
   * routing may now give them chats.
   *
   * Agent rows are locked FOR NO KEY UPDATE here and below: their keys never change, and FOR
   * UPDATE would also hold up, until commit, every write that names the agent (an agent's
   * message in a group-commit batch, a note, a read mark: their foreign-key checks take FOR KEY
   * SHARE) — behind a routing pass or the sweep's recount of every open chat.
   */
  async markSeen(ex: Executor, ids: string[], presenceTimeoutMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const result = await ex.execute(sql`
      with seen as (
        select id, last_seen_at as before from agents
        where id ${anyOfIds(ids)}
        order by id
        for no key update
      )
      update agents a set last_seen_at = now()
      from seen
      where a.id = seen.id
      returning a.id, (a.status = 'online' and a.revoked_at is null
        and (seen.before is null or seen.before < ${presenceCutoff(presenceTimeoutMs)})) as revived`);
    return rowsOf<{ id: string; revived: boolean }>(result)
      .filter((row) => row.revived)
      .map((row) => row.id);
  },

  /**
   * Every unrevoked agent as routing sees it (PROTOCOL §8 `agents.presence`): the status asked
   * while live, else offline; open chats (kept in `open_chats`); effective capacity.
   */
  async listPresence(ex: Executor, presenceTimeoutMs: number, defaultCapacity: number): Promise<PresenceRow[]> {
    const result = await ex.execute(sql`
      select a.id, a.name,
        case when a.last_seen_at >= ${presenceCutoff(presenceTimeoutMs)} then a.status else 'offline' end as status,
        a.open_chats,
        coalesce(a.capacity, ${defaultCapacity}::int) as capacity
      from agents a
      where a.revoked_at is null
      order by a.created_at, a.email`);
    return rowsOf<{ id: string; name: string; status: AgentStatus; open_chats: number | string; capacity: number | string }>(result).map(
      (row) => ({ id: row.id, name: row.name, status: row.status, openChats: Number(row.open_chats), capacity: Number(row.capacity) }),
    );
  },

  /**
   * The agents routing may give a chat to now (`routableAgents`): with their name, open chats
   * (kept in `open_chats`: no session is counted here), effective capacity and last routed chat
   * (ms, null: never).
   */
  async listRoutable(ex: Executor, presenceTimeoutMs: number, defaultCapacity: number): Promise<RoutableAgentRow[]> {
    const result = await ex.execute(sql`
      select r.id, r.name, r.open_chats, r.capacity, (extract(epoch from r.last_assigned_at) * 1000)::float8 as last_assigned_ms
      from (${routableAgents(presenceTimeoutMs, defaultCapacity)}) as r`);
    type Raw = { id: string; name: string; open_chats: number | string; capacity: number | string; last_assigned_ms: number | string | null };
    return rowsOf<Raw>(result).map((row) => ({
      id: row.id,
      name: row.name,
      openChats: Number(row.open_chats),
      capacity: Number(row.capacity),
      lastAssignedAt: row.last_assigned_ms === null ? null : Number(row.last_assigned_ms),
    }));
  },

  /**
   * Agents offline for longer than `forMs` (asked offline that long ago, unseen for the presence
   * window and `forMs` more, or revoked that long ago) that hold open chats, by their
   * `open_chats` (the sweep recounts it first): those chats go back to the queue. A team always
   * has someone offline; one who holds nothing costs the sweep no look at the open chats.
   */
  async listLongOffline(ex: Executor, presenceTimeoutMs: number, forMs: number): Promise<string[]> {
    const result = await ex.execute(sql`
      select id from agents
      where open_chats > 0
        and ((revoked_at is not null and revoked_at < ${msAgo(forMs)})
          or (status = 'offline' and coalesce(status_changed_at, '-infinity') < ${msAgo(forMs)})
          or last_seen_at is null
          or last_seen_at < ${msAgo(presenceTimeoutMs + forMs)})`);
    return rowsOf<{ id: string }>(result).map((row) => row.id);
  },

  /**
   * Records that routing just gave these agents chats, in this order (round robin's turns):
   * each a microsecond after the one before. Rows locked in id order (see markSeen).
   */
  async markAssigned(ex: Executor, idsInOrder: string[]): Promise<void> {
    if (idsInOrder.length === 0) return;
    const turns = idsInOrder.map((id, turn) => ({ id, turn }));
    await ex.execute(sql`
      with turns as (
        select t.id, max(t.turn) as turn from jsonb_to_recordset(${JSON.stringify(turns)}::jsonb) as t(id uuid, turn int) group by t.id
      ), locked as (
        select a.id from agents a where a.id in (select id from turns) order by a.id for no key update
      )
      update agents a set last_assigned_at = statement_timestamp() + make_interval(secs => turns.turn / 1000000.0)
      from turns where a.id = turns.id and a.id in (select id from locked)`);
  },

  /**
   * Adds to agents' open chats (negative: chats that ended), in one statement, rows locked in id
   * order (see markSeen). Called late in the transaction that opened or ended the chats, after
   * its ticket locks (services/agents/openChats.ts says why).
   */
  async addOpenChats(ex: Executor, deltas: Map<string, number>): Promise<void> {
    const changes = [...deltas].filter(([, n]) => n !== 0).map(([id, n]) => ({ id, n }));
    if (changes.length === 0) return;
    await ex.execute(sql`
      with deltas as (
        select d.id, d.n from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) as d(id uuid, n int)
      ), locked as (
        select a.id from agents a where a.id in (select id from deltas) order by a.id for no key update
      )
      update agents a set open_chats = a.open_chats + deltas.n
      from deltas where a.id = deltas.id and a.id in (select id from locked)`);
  },

  /**
   * Moves the open chats of tickets changing hands — each ticket's active sessions, counted now —
   * from its previous assignee to its new one (null: nobody), in one statement. The tickets are
   * locked by the caller (FOR UPDATE): no chat of theirs opens meanwhile, and one that ends takes
   * its chat from whoever holds the ticket once this commits.
   */
  async moveOpenChats(ex: Executor, moves: Array<{ ticketId: string; from: string | null; to: string | null }>): Promise<void> {
    if (moves.length === 0) return;
    await ex.execute(sql`
      with moves as (
        select m.ticket_id, m.from_id, m.to_id,
          -- status as a filter, not a condition: with no statistics the planner would read every
          -- active session for each ticket (the idle sweep's partial index) instead of the ticket's few
          (select count(*) filter (where s.status = 'active') from chat_sessions s where s.ticket_id = m.ticket_id)::int as n
        from jsonb_to_recordset(${JSON.stringify(moves.map(({ ticketId, from, to }) => ({ ticket_id: ticketId, from_id: from, to_id: to })))}::jsonb)
          as m(ticket_id uuid, from_id uuid, to_id uuid)
      ), deltas as (
        select id, sum(n)::int as n from (
          select to_id as id, n from moves where to_id is not null
          union all
          select from_id, -n from moves where from_id is not null
        ) as d group by id
      ), locked as (
        select a.id from agents a where a.id in (select id from deltas where n <> 0) order by a.id for no key update
      )
      update agents a set open_chats = a.open_chats + deltas.n
      from deltas where a.id = deltas.id and a.id in (select id from locked)`);
  },

  /**
   * Counts every agent's open chats from the sessions and corrects `open_chats` where it differs;
   * answers the agents corrected (each kept count and the true one). Every agent row is locked
   * first (id order), so no transaction that changes a count is between its change and its
   * commit while the sessions are counted: the count is exact.
   */
  async recountOpenChats(ex: Executor): Promise<Array<{ id: string; kept: number; counted: number }>> {
    await ex.execute(sql`select id from agents order by id for no key update`);
    const result = await ex.execute(sql`
      with open_chats as (
        select t.assignee_id as agent_id, count(*)::int as n
        from chat_sessions s join tickets t on t.id = s.ticket_id
        where s.status = 'active' and t.assignee_id is not null
        group by t.assignee_id
      )
      update agents a set open_chats = coalesce(o.n, 0)
      from agents kept left join open_chats o on o.agent_id = kept.id
      where a.id = kept.id and a.open_chats <> coalesce(o.n, 0)
      returning a.id, kept.open_chats as kept, a.open_chats as counted`);
    return rowsOf<{ id: string; kept: number | string; counted: number | string }>(result).map((row) => ({
      id: row.id,
      kept: Number(row.kept),
      counted: Number(row.counted),
    }));
  },

  /** Serializes bootstrap among nodes starting at once; released when the transaction ends. */
  async lockBootstrap(ex: Executor): Promise<void> {
    await ex.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`);
  },
};

export interface PresenceRow {
  id: string;
  name: string;
  status: AgentStatus;
  openChats: number;
  capacity: number;
}

export interface RoutableAgentRow {
  id: string;
  name: string;
  openChats: number;
  capacity: number;
  lastAssignedAt: number | null;
}

/**
 * SQL of the agents routing may give a chat to now: unrevoked, `online` asked and live. Columns
 * `id, name, open_chats, capacity` (effective: the default when unset), `last_assigned_at`.
 */
export function routableAgents(presenceTimeoutMs: number, defaultCapacity: number): SQL {
  return sql`
    select a.id, a.name, a.open_chats, coalesce(a.capacity, ${defaultCapacity}::int) as capacity, a.last_assigned_at
    from agents a
    where a.revoked_at is null and a.status = 'online' and a.last_seen_at >= ${presenceCutoff(presenceTimeoutMs)}`;
}

/** The oldest sighting that still makes an agent live; the statement's clock, the same on every node. */
function presenceCutoff(presenceTimeoutMs: number): SQL {
  return msAgo(presenceTimeoutMs);
}

function msAgo(ms: number): SQL {
  return sql`statement_timestamp() - make_interval(secs => ${ms / 1000}::float8)`;
}

// Any constant distinct from the migration lock's.
const BOOTSTRAP_LOCK_KEY = 7_247_362_022;
