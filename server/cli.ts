import 'dotenv/config';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startNode } from './main.js';
import { AutomationsError } from './automations/automationsConfig.js';
import { startBanner } from './startBanner.js';

/** `npm start`: one node from the environment; SIGTERM/SIGINT drain it and exit 0. */
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

let node: Awaited<ReturnType<typeof startNode>>;
try {
  node = await startNode(config);
} catch (error) {
  if (error instanceof AutomationsError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
// A library callback's stray rejection (a Redis publish failing mid-outage) is logged; it is
// not a reason to drop every visitor on this node.
process.on('unhandledRejection', (reason) => {
  node.ctx.logger.error({ err: reason }, 'unhandled rejection');
});
console.log(`Atende listening on ${node.url} (chat namespace /chat, HTTP API /api/chat)`);
if (process.stdout.isTTY) {
  // A person is watching: say where things are (the default PUBLIC_URL names PORT, 0 when any port would do).
  const publicUrl = config.PUBLIC_URL.replace(/:0$/, `:${node.port}`);
  console.log(
    startBanner({
      publicUrl,
      generatedAdminToken: node.generatedAdminToken,
      database: node.driver === 'pglite' ? { driver: 'pglite', dataDir: config.DATA_DIR } : { driver: 'postgres' },
      redis: node.redis,
    }),
  );
}

let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    const deadline = setTimeout(() => process.exit(1), config.SHUTDOWN_DELAY_MS + 10_000);
    deadline.unref();
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  });
}
