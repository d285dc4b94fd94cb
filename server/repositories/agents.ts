import { and, asc, count, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AgentStatus } from '../../shared/agentApi.js';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { agents, type AgentRow } from '../db/schema.js';

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
      .where(sql`${agents.id} in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
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
   */
  async markSeen(ex: Executor, ids: string[], presenceTimeoutMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const result = await ex.execute(sql`
      with seen as (
        select id, last_seen_at as before from agents
        where id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
        order by id
        for update
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
   * while live, else offline; open chats (its tickets' active sessions); effective capacity.
   */
  async listPresence(ex: Executor, presenceTimeoutMs: number, defaultCapacity: number): Promise<PresenceRow[]> {
    const result = await ex.execute(sql`
      with ${openChatsByAgent()}
      select a.id, a.name,
        case when a.last_seen_at >= ${presenceCutoff(presenceTimeoutMs)} then a.status else 'offline' end as status,
        coalesce(o.n, 0)::int as open_chats,
        coalesce(a.capacity, ${defaultCapacity}::int) as capacity
      from agents a left join open_chats o on o.agent_id = a.id
      where a.revoked_at is null
      order by a.created_at, a.email`);
    return rowsOf<{ id: string; name: string; status: AgentStatus; open_chats: number | string; capacity: number | string }>(result).map(
      (row) => ({ id: row.id, name: row.name, status: row.status, openChats: Number(row.open_chats), capacity: Number(row.capacity) }),
    );
  },

  /**
   * The agents routing may give a chat to now: unrevoked, `online` asked and live, with their
   * open chats, effective capacity and last routed chat (ms, null: never).
   */
  async listRoutable(ex: Executor, presenceTimeoutMs: number, defaultCapacity: number): Promise<RoutableAgentRow[]> {
    const result = await ex.execute(sql`
      with ${openChatsByAgent()}
      select a.id, coalesce(o.n, 0)::int as open_chats, coalesce(a.capacity, ${defaultCapacity}::int) as capacity,
        (extract(epoch from a.last_assigned_at) * 1000)::float8 as last_assigned_ms
      from agents a left join open_chats o on o.agent_id = a.id
      where a.revoked_at is null and a.status = 'online' and a.last_seen_at >= ${presenceCutoff(presenceTimeoutMs)}`);
    return rowsOf<{ id: string; open_chats: number | string; capacity: number | string; last_assigned_ms: number | string | null }>(result).map(
      (row) => ({
        id: row.id,
        openChats: Number(row.open_chats),
        capacity: Number(row.capacity),
        lastAssignedAt: row.last_assigned_ms === null ? null : Number(row.last_assigned_ms),
      }),
    );
  },

  /**
   * Agents offline for longer than `forMs`: asked offline that long ago, unseen for the presence
   * window and `forMs` more, or revoked that long ago. Their open chats go back to the queue.
   */
  async listLongOffline(ex: Executor, presenceTimeoutMs: number, forMs: number): Promise<string[]> {
    const result = await ex.execute(sql`
      select id from agents
      where (revoked_at is not null and revoked_at < ${msAgo(forMs)})
         or (status = 'offline' and coalesce(status_changed_at, '-infinity') < ${msAgo(forMs)})
         or last_seen_at is null
         or last_seen_at < ${msAgo(presenceTimeoutMs + forMs)}`);
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
        select a.id from agents a where a.id in (select id from turns) order by a.id for update
      )
      update agents a set last_assigned_at = statement_timestamp() + make_interval(secs => turns.turn / 1000000.0)
      from turns where a.id = turns.id and a.id in (select id from locked)`);
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
  openChats: number;
  capacity: number;
  lastAssignedAt: number | null;
}

/** The oldest sighting that still makes an agent live; the statement's clock, the same on every node. */
function presenceCutoff(presenceTimeoutMs: number): SQL {
  return msAgo(presenceTimeoutMs);
}

function msAgo(ms: number): SQL {
  return sql`statement_timestamp() - make_interval(secs => ${ms / 1000}::float8)`;
}

/**
 * `open_chats (agent_id, n)`: each agent's assigned chat sessions that are still active. Walks
 * the active sessions (chat_sessions_active_activity_idx), not an agent's whole history.
 */
function openChatsByAgent(): SQL {
  return sql`open_chats as (
    select t.assignee_id as agent_id, count(*) as n
    from chat_sessions s join tickets t on t.id = s.ticket_id
    where s.status = 'active' and t.assignee_id is not null
    group by t.assignee_id
  )`;
}

// Any constant distinct from the migration lock's.
const BOOTSTRAP_LOCK_KEY = 7_247_362_022;
