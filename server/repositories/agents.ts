import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
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

  /** Serializes bootstrap among nodes starting at once; released when the transaction ends. */
  async lockBootstrap(ex: Executor): Promise<void> {
    await ex.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`);
  },
};

// Any constant distinct from the migration lock's.
const BOOTSTRAP_LOCK_KEY = 7_247_362_022;
