import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { pgliteExtensions } from '../../server/db/pgliteExtensions.js';
import { openDatabase, wrapPglite, type DatabaseHandle, type DriverName } from '../../server/db/client.js';
import { TEST_POOL_SIZE } from '../../scripts/dev/nodeEnv.js';
import { createPostgresDatabase } from '../../scripts/dev/postgres.js';

export interface TestDatabase {
  driver: DriverName;
  handle: DatabaseHandle;
  /** The PostgreSQL URL (for child processes); undefined on PGlite. */
  url?: string;
  close(): Promise<void>;
}

/** A migrated in-memory PGlite database, loaded from the run's template. */
export async function openTestPglite(): Promise<TestDatabase> {
  const template = readFileSync(inject('pgliteTemplate'));
  const client = new PGlite({ loadDataDir: new Blob([template]), extensions: pgliteExtensions });
  await client.waitReady;
  const handle = wrapPglite(client);
  return { driver: 'pglite', handle, close: () => handle.close() };
}

/** A migrated PostgreSQL database of its own, dropped on close. */
export async function openTestPostgres(): Promise<TestDatabase> {
  const database = await createPostgresDatabase();
  const handle = await openDatabase({ databaseUrl: database.url, dataDir: 'unused', maxConnections: Number(TEST_POOL_SIZE) });
  await handle.migrate();
  return {
    driver: 'postgres',
    handle,
    url: database.url,
    async close() {
      await handle.close();
      await database.drop();
    },
  };
}

/**
 * Runs a suite once on PGlite and once on PostgreSQL, one database per driver shared by the
 * suite's tests (each test makes its own data). PostgreSQL is skipped, loudly, when absent.
 */
export function describeOnEachDriver(name: string, suite: (db: () => TestDatabase) => void): void {
  describeOnDrivers(['pglite', 'postgres'], name, suite);
}

/**
 * `describeOnEachDriver` for PostgreSQL alone: suites about what only several connections can
 * do (a second transaction holding a row), which PGlite's one connection cannot show.
 */
export function describeOnPostgres(name: string, suite: (db: () => TestDatabase) => void): void {
  describeOnDrivers(['postgres'], name, suite);
}

function describeOnDrivers(drivers: DriverName[], name: string, suite: (db: () => TestDatabase) => void): void {
  for (const driver of drivers) {
    const skip = driver === 'postgres' && !inject('postgresAvailable');
    describe.skipIf(skip)(`${name} [${driver}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = driver === 'pglite' ? await openTestPglite() : await openTestPostgres();
      });
      afterAll(async () => {
        await database?.close();
      });
      suite(() => {
        if (!database) throw new Error('test database not open');
        return database;
      });
    });
  }
}
