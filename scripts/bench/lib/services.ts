import { randomBytes } from 'node:crypto';
import { createPostgresDatabase, postgresAvailable, type ScratchPostgresDatabase } from '../../dev/postgres.js';
import { startRedisServer, type LocalRedis } from '../../dev/redisServer.js';
import { localNodeEnv } from '../../dev/nodeEnv.js';
import { forkWorker, type Worker } from './workers.js';

export type { ScratchPostgresDatabase, LocalRedis };
export { createPostgresDatabase, postgresAvailable, startRedisServer };

/** Above the default cap (18,000): the connections scenario opens more than that. */
const BENCH_MAX_CONNECTIONS = '19400';

export type ServerWorker = Worker<{ url: string }>;

/** An Atende node in its own process over `env` (DATABASE_URL, REDIS_URL, …), limits lifted as in the tests. */
export function startAtende(env: Record<string, string>): Promise<ServerWorker> {
  // A token of its own, so a fresh database does not print a generated one.
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  return forkWorker<{ url: string }>(
    'servers/atende.ts',
    localNodeEnv({ LOG_LEVEL: 'warn', MAX_CONNECTIONS: BENCH_MAX_CONNECTIONS, ADMIN_TOKEN: adminToken, ...env }),
  );
}

/** The bare Socket.IO baseline in its own process (with BARE_DATABASE_URL, `chat:start` runs the raw transaction there). */
export function startBare(env: Record<string, string> = {}): Promise<ServerWorker> {
  return forkWorker<{ url: string }>('servers/bare.ts', env);
}

/** `count` load-generator processes. */
export function startSocketLoad(count: number): Promise<Worker[]> {
  return Promise.all(Array.from({ length: count }, () => forkWorker('load/sockets.ts')));
}

export async function stopAll(workers: Array<Worker | undefined>): Promise<void> {
  await Promise.all(workers.map((worker) => worker?.stop()));
}
