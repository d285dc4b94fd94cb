/**
 * An Atende node for the benchmarks: `npm start`'s node, configured from the environment, that
 * also answers the harness over IPC (`memory` after a full GC, `stop` = SIGTERM's drain).
 * BENCH_MESSAGE_WRITER=one-tx-per-message swaps in the baseline writer measured against group commit.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../../server/config.js';
import { startNode } from '../../../server/main.js';
import { memoryAfterGc, serveCommands } from '../lib/workerCommands.js';
import { createOneTxPerMessageWriter } from './oneTxPerMessageWriter.js';

// The environment is built by the harness (`startAtende`, `localNodeEnv`).
const oneTxPerMessage = process.env.BENCH_MESSAGE_WRITER === 'one-tx-per-message';
const node = await startNode(loadConfig(), oneTxPerMessage ? { createMessageWriter: createOneTxPerMessageWriter } : {});
// The event loop's delay, sampled every 10 ms from the start (or the last `loopDelay` asking to reset).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
serveCommands(
  {
    memory: () => memoryAfterGc(),
    /** The event-loop delay since the last reset, in ms; `reset` starts a new window. */
    loopDelay: (args?: { reset?: boolean }) => {
      const ms = (ns: number) => ns / 1e6;
      const answer = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max), samples: loopDelay.count };
      if (args?.reset) loopDelay.reset();
      return answer;
    },
    stop: () => node.stop(),
  },
  { url: node.url },
);
