/**
 * The one table of limits lifted for local runs: the test suites start many chats from one
 * address and the benchmarks measure throughput, so neither should meet a rate limit or the
 * per-IP cap by accident. A test of a limit sets its own, low value over these.
 */
export const LIFTED_LIMITS = {
  RATE_CHAT_STARTS_PER_MINUTE: '100000000',
  RATE_MESSAGES_PER_MINUTE: '100000000',
  RATE_HTTP_REQUESTS_PER_MINUTE: '100000000',
  RATE_FAILED_AUTH_PER_MINUTE: '100000',
  RATE_RESUMES_PER_MINUTE: '100000000',
  MAX_CONNECTIONS_PER_IP: '100000',
} as const;

/**
 * The environment of a local node, in this process (`loadConfig(localNodeEnv(…))`) or in a
 * child process (merged over `process.env`): loopback, a free port, limits lifted; `env` last.
 */
export function localNodeEnv(env: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = { PORT: '0', HOST: '127.0.0.1', ...LIFTED_LIMITS, ...env };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * PostgreSQL connections per test node (in-process or child): the suite's nodes, running files
 * in parallel, share one server's `max_connections` (100 by default) with whatever else runs
 * there, such as a benchmark; at the default pool of 20 a few multi-node tests exhausted it.
 */
export const TEST_POOL_SIZE = '8';
