import { sql } from 'drizzle-orm';

/**
 * Put first in a statement run outside a transaction that must take one round trip: the
 * postgres.js driver then sends it prepared (described once per connection, then bound and
 * run in one trip) instead of asking for its parameter types before each run (db/client.ts).
 * Only for statements whose plan does not depend on their parameters' values: after five runs
 * PostgreSQL may keep one generic plan for every value. A comment, so PGlite ignores it.
 */
export const PREPARED_STATEMENT_MARK = '/* prepared */';
export const PREPARED_STATEMENT = sql.raw(`${PREPARED_STATEMENT_MARK} `);
