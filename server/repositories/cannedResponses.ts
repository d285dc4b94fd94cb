import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { cannedResponses, type CannedResponseRow } from '../db/schema.js';

export type NewCannedResponse = typeof cannedResponses.$inferInsert;

/** SQL for the team's canned responses; the shortcut is unique (canned_responses_shortcut_key). */
export const cannedResponsesRepository = {
  async insert(ex: Executor, values: NewCannedResponse): Promise<CannedResponseRow> {
    const [row] = await ex.insert(cannedResponses).values(values).returning();
    if (!row) throw new Error('canned response insert returned nothing');
    return row;
  },

  async findById(ex: Executor, id: string): Promise<CannedResponseRow | undefined> {
    const [row] = await ex.select().from(cannedResponses).where(eq(cannedResponses.id, id));
    return row;
  },

  /** Every one, by shortcut (the unique index's order). */
  async list(ex: Executor): Promise<CannedResponseRow[]> {
    return ex.select().from(cannedResponses).orderBy(asc(cannedResponses.shortcut));
  },

  async update(ex: Executor, id: string, values: Partial<NewCannedResponse>): Promise<CannedResponseRow | undefined> {
    const [row] = await ex.update(cannedResponses).set(values).where(eq(cannedResponses.id, id)).returning();
    return row;
  },

  async delete(ex: Executor, id: string): Promise<CannedResponseRow | undefined> {
    const [row] = await ex.delete(cannedResponses).where(eq(cannedResponses.id, id)).returning();
    return row;
  },
};
