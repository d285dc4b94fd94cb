import { loadConfig } from '../../server/config.js';
import { startNode, type AtendeNode, type NodeOverrides } from '../../server/main.js';
import type { DatabaseHandle } from '../../server/db/client.js';

/** Suites start many chats from one address; the flood tests set their own, low limits. */
export const GENEROUS_LIMITS = {
  RATE_CHAT_STARTS_PER_MINUTE: '100000',
  RATE_MESSAGES_PER_MINUTE: '100000',
  RATE_HTTP_REQUESTS_PER_MINUTE: '1000000',
  RATE_FAILED_AUTH_PER_MINUTE: '100000',
  RATE_RESUMES_PER_MINUTE: '100000',
};

/** A real node on a random port over the given database, configured like `npm start` would be. */
export async function startTestNode(
  database: DatabaseHandle,
  env: Record<string, string> = {},
  overrides: Omit<NodeOverrides, 'database'> = {},
): Promise<AtendeNode> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TZ: 'America/Sao_Paulo',
    ...GENEROUS_LIMITS,
    ...env,
  });
  return startNode(config, { ...overrides, database });
}
