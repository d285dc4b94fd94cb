/**
 * An Atende node for the benchmarks: `npm start`'s node, configured from the environment, that
 * also answers the harness over IPC (`memory` after a full GC, `stop` = SIGTERM's drain).
 * BENCH_MESSAGE_WRITER=one-tx-per-message swaps in the baseline writer measured against group commit.
 */
import { loadConfig } from '../../../server/config.js';
import { startNode } from '../../../server/main.js';
import { memoryAfterGc, serveCommands } from '../lib/workers.js';
import { createOneTxPerMessageWriter } from './oneTxPerMessageWriter.js';

// The environment is built by the harness (`startAtende`, `localNodeEnv`).
const oneTxPerMessage = process.env.BENCH_MESSAGE_WRITER === 'one-tx-per-message';
const node = await startNode(loadConfig(), oneTxPerMessage ? { createMessageWriter: createOneTxPerMessageWriter } : {});
serveCommands(
  {
    memory: () => memoryAfterGc(),
    stop: () => node.stop(),
  },
  { url: node.url },
);
