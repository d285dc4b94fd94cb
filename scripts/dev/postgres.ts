import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The PostgreSQL server tests and benchmarks create their scratch databases on (override with TEST_POSTGRES_URL). */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function servicesRequired(): boolean {
  return process.env.REQUIRE_SERVICES === '1';
}

/** Whether the PostgreSQL server answers; with REQUIRE_SERVICES=1 a missing one throws instead. */
export async function postgresAvailable(): Promise<boolean> {
  const client = postgres(ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await client`select 1`;
    return true;
  } catch (error) {
    if (servicesRequired()) throw new Error(`REQUIRE_SERVICES=1 but PostgreSQL at ${ADMIN_URL} is down`, { cause: error });
    return false;
  } finally {
    await client.end({ timeout: 1 });
  }
}

export interface ScratchPostgresDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty scratch database of its own, dropped by `drop()`. */
export async function createPostgresDatabase(): Promise<ScratchPostgresDatabase> {
  const name = `atende_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await client.unsafe(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
