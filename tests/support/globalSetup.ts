import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migratePgliteDatabase } from '../../server/db/migrate.js';
import { pgliteExtensions } from '../../server/db/pgliteExtensions.js';
import { postgresAvailable } from '../../scripts/dev/postgres.js';

/**
 * Once per run: a migrated PGlite database dumped to a file that each test file loads
 * (initdb takes seconds; loading a dump well under one), and the PostgreSQL check.
 */
export default async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'atende-pglite-'));
  const file = join(dir, 'template.tar.gz');
  const pglite = new PGlite({ extensions: pgliteExtensions });
  await migratePgliteDatabase(pglite);
  const dump = await pglite.dumpDataDir('gzip');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  provide('pgliteTemplate', file);

  const available = await postgresAvailable();
  provide('postgresAvailable', available);
  if (!available) {
    console.warn(
      '\n!!! PostgreSQL is not reachable: every PostgreSQL half of the suite is SKIPPED (PGlite still runs).\n' +
        '!!! Set REQUIRE_SERVICES=1 to make this a failure.\n',
    );
  }
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresAvailable: boolean;
  }
}
