import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { serverSecrets } from '../db/schema.js';

/** SQL for the `server_secrets` table: keys every node of a cluster shares. */
export const serverSecretsRepository = {
  /** The secret under `name`; the first node to ask stores `candidate`, every later one reads it. */
  async getOrCreate(ex: Executor, name: string, candidate: string): Promise<string> {
    await ex.insert(serverSecrets).values({ name, value: candidate }).onConflictDoNothing({ target: serverSecrets.name });
    const [row] = await ex.select({ value: serverSecrets.value }).from(serverSecrets).where(eq(serverSecrets.name, name));
    if (!row) throw new Error(`server secret ${name} missing right after it was stored`);
    return row.value;
  },
};
