import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, type LocalRedis } from '../../scripts/dev/redisServer.js';
import { openTestPostgres, type TestDatabase } from './databases.js';
import { spawnNode, type NodeProcess } from './processNode.js';

/**
 * Node processes on one scratch PostgreSQL database and one redis-server of their own, each on
 * a port chosen once and kept across restarts (a load balancer's configuration names them).
 */
export interface NodeCluster {
  database: TestDatabase;
  redis: LocalRedis;
  ports: number[];
  nodes: NodeProcess[];
  /** SIGTERMs node `index` (resolves with its exit code), the node keeps its port for `start`. */
  stop(index: number): Promise<number | null>;
  /** Starts node `index` again on its port. */
  start(index: number): Promise<NodeProcess>;
  close(): Promise<void>;
}

/**
 * Routing `manual` unless `env` names its own automations file: with routing on and nobody
 * online a visitor would be offered the offline form (PROTOCOL §9), and these clusters are
 * about the way through the load balancer, not about who answers.
 */
export async function startNodeCluster(size: number, env: Record<string, string>): Promise<NodeCluster> {
  const [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const automationsDir = mkdtempSync(join(tmpdir(), 'atende-cluster-'));
  const automationsFile = join(automationsDir, 'automations.json');
  writeFileSync(automationsFile, JSON.stringify({ routing: { mode: 'manual' } }));
  const envOf = (port: number) => ({
    AUTOMATIONS_FILE: automationsFile,
    ...env,
    DATABASE_URL: database.url!,
    REDIS_URL: redis.url,
    PORT: String(port),
  });
  const nodes = await Promise.all(ports.map((port) => spawnNode(envOf(port))));
  return {
    database,
    redis,
    ports,
    nodes,
    stop: (index) => nodes[index]!.stop(),
    async start(index) {
      nodes[index] = await spawnNode(envOf(ports[index]!));
      return nodes[index]!;
    },
    async close() {
      await Promise.all(nodes.map((node) => node.stop()));
      await redis.stop();
      await database.close();
      rmSync(automationsDir, { recursive: true, force: true });
    },
  };
}
