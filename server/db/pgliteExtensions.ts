import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

/**
 * The contrib extensions the migrations create (search, PROTOCOL §11). PGlite has an
 * extension's files only when it is given it at construction, before `create extension` and
 * on every later open of a database that has it: every `new PGlite` passes these.
 */
export const pgliteExtensions = { pg_trgm, unaccent };
