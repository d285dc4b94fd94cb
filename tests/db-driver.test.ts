import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clients } from '../server/db/schema.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';

/** Rows of a raw `execute` on postgres.js. */
const rows = (result: unknown) => result as Array<Record<string, unknown>>;

describe.skipIf(!inject('postgresAvailable'))('postgres.js under Drizzle', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestPostgres();
  });
  afterAll(() => database?.close());

  it('prepares the statements of a transaction (one round trip each, pipelined when sent together)', async () => {
    const prepared = await database.handle.db.transaction(async (tx) => {
      // Sent together: both are prepared on this connection and answered in order.
      const [first, second] = await Promise.all([
        tx.select().from(clients).where(eq(clients.email, 'nobody@example.com')),
        tx.select().from(clients).where(eq(clients.phone, '+5511900000000')),
      ]);
      expect([first, second]).toEqual([[], []]);
      return rows(await tx.execute(sql`select statement from pg_prepared_statements`)).map((row) => String(row.statement));
    });
    expect(prepared.some((statement) => statement.includes('"clients"."email" = $1'))).toBe(true);
    expect(prepared.some((statement) => statement.includes('"clients"."phone" = $1'))).toBe(true);
  });
});
