import 'dotenv/config';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { createLogger } from '../logger.js';
import { createNodeMetrics } from '../metrics.js';
import { reachCluster, type ClusterReach } from './clusterReach.js';
import { findCommand, operatorMessage, usageText, UsageError } from './commands.js';

/** `npm run atende -- <command>` / `npx atende <command>`: the operator's commands (README "Administering"). */
const EX_USAGE = 64;
const EX_CONFIG = 78;

const argv = process.argv.slice(2);
const found = findCommand(argv);
if (!found || argv[0] === 'help' || argv.includes('--help')) {
  (found ? console.log : console.error)(usageText());
  process.exit(found || argv[0] === 'help' ? 0 : EX_USAGE);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(EX_CONFIG);
}

// Log lines (warnings and worse) go to stderr: stdout is what the operator reads and scripts capture.
const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, pino.destination(2));
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, maxConnections: 1 });
let reach: Promise<ClusterReach> | undefined;
let exitCode = 0;
try {
  await database.migrate();
  await found.command.run(found.args, {
    db: database.db,
    logger,
    metrics: createNodeMetrics({ defaultMetrics: false }),
    reach: () => (reach ??= reachCluster(config, logger)),
    adminTokenSet: Boolean(config.ADMIN_TOKEN),
    print: (line) => console.log(line),
    warn: (line) => console.error(`warning: ${line}`),
  });
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\nusage: atende ${found.command.usage}`);
    exitCode = EX_USAGE;
  } else {
    const message = operatorMessage(error);
    if (!message) throw error;
    console.error(message);
    exitCode = 1;
  }
} finally {
  await (await reach)?.close();
  await database.close();
}
process.exit(exitCode);
