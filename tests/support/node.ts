import { loadConfig } from '../../server/config.js';
import { startNode, type AtendeNode, type NodeOverrides } from '../../server/main.js';
import type { DatabaseHandle } from '../../server/db/client.js';
import { localNodeEnv } from '../../scripts/dev/nodeEnv.js';

/** A real node on a random port over the given database, configured like `npm start` would be. */
export async function startTestNode(
  database: DatabaseHandle,
  env: Record<string, string> = {},
  overrides: Omit<NodeOverrides, 'database'> = {},
): Promise<AtendeNode> {
  const config = loadConfig(
    localNodeEnv({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', TZ: 'America/Sao_Paulo', ...env }),
  );
  return startNode(config, { ...overrides, database });
}
