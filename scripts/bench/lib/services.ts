import { randomBytes } from 'node:crypto';
import { createPostgresDatabase, postgresAvailable, type TestPostgresDatabase } from '../../../tests/support/postgres.js';
import { startRedisServer, type TestRedis } from '../../../tests/support/redisServer.js';
import { forkWorker, type Worker } from './workers.js';

export type { TestPostgresDatabase, TestRedis };
export { createPostgresDatabase, postgresAvailable, startRedisServer };

/** Limits no benchmark should meet: the rates and caps are not what is measured. */
export const UNLIMITED = {
  RATE_CHAT_STARTS_PER_MINUTE: '100000000',
  RATE_MESSAGES_PER_MINUTE: '100000000',
  RATE_HTTP_REQUESTS_PER_MINUTE: '100000000',
  RATE_FAILED_AUTH_PER_MINUTE: '100000',
  MAX_CONNECTIONS: '19400',
  MAX_CONNECTIONS_PER_IP: '100000',
};

export type ServerWorker = Worker<{ url: string }>;

/** An Atende node in its own process over `env` (DATABASE_URL, REDIS_URL, …). */
export function startAtende(env: Record<string, string>): Promise<ServerWorker> {
  // A token of its own, so a fresh database does not print a generated one.
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  return forkWorker<{ url: string }>('servers/atende.ts', { ...UNLIMITED, ADMIN_TOKEN: adminToken, ...env });
}

/** The bare Socket.IO baseline in its own process. */
export function startBare(): Promise<ServerWorker> {
  return forkWorker<{ url: string }>('servers/bare.ts');
}

/** `count` load-generator processes. */
export function startSocketLoad(count: number): Promise<Worker[]> {
  return Promise.all(Array.from({ length: count }, () => forkWorker('load/sockets.ts')));
}

export async function stopAll(workers: Array<Worker | undefined>): Promise<void> {
  await Promise.all(workers.map((worker) => worker?.stop()));
}
