/**
 * An Atende node for the benchmarks: `npm start`'s node, configured from the environment, that
 * also answers the harness over IPC (`memory` after a full GC, `stop` = SIGTERM's drain).
 */
import { loadConfig } from '../../../server/config.js';
import { startNode } from '../../../server/main.js';
import { memoryAfterGc, serveCommands } from '../lib/workers.js';

// The environment is built by the harness (`startAtende`, `localNodeEnv`).
const node = await startNode(loadConfig());
serveCommands(
  {
    memory: () => memoryAfterGc(),
    stop: () => node.stop(),
  },
  { url: node.url },
);
