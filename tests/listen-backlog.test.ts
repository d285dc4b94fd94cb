import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { createPostgresDatabase, postgresAvailable, type ScratchPostgresDatabase } from '../scripts/dev/postgres.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';

const available = await postgresAvailable();

/** The accept queue the kernel gave the socket listening on `port` (`ss`'s Send-Q for a listener). */
function acceptQueueOf(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  return Number(line.trim().split(/\s+/)[2]);
}

const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());

describe('LISTEN_BACKLOG', () => {
  it('defaults to 8192 and refuses what is not a count from 1 to 65535, naming the variable', () => {
    expect(loadConfig({}).LISTEN_BACKLOG).toBe(8192);
    expect(loadConfig({ LISTEN_BACKLOG: '100' }).LISTEN_BACKLOG).toBe(100);
    for (const bad of ['0', '-1', '2.5', '70000', 'deep']) {
      expect(() => loadConfig({ LISTEN_BACKLOG: bad }), bad).toThrow(/LISTEN_BACKLOG/);
    }
  });
});

// Node listens with a queue of 511 unless told otherwise: when thousands of visitors of a dead
// node reconnect at once, the connections past it are dropped and wait seconds for a resend.
describe.skipIf(!available)('a node listens with the accept queue LISTEN_BACKLOG asks for', () => {
  printNodeOutputOnFailure();
  let database: ScratchPostgresDatabase;
  const nodes: NodeProcess[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await database?.drop();
  });

  it('the default, up to what the kernel allows (net.core.somaxconn), and a value of its own', async () => {
    const [byDefault, asked] = await Promise.all([
      spawnNode({ DATABASE_URL: database.url }),
      spawnNode({ DATABASE_URL: database.url, LISTEN_BACKLOG: '1234' }),
    ]);
    nodes.push(byDefault, asked);
    expect(acceptQueueOf(Number(new URL(byDefault.url).port))).toBe(Math.min(8192, somaxconn));
    expect(acceptQueueOf(Number(new URL(asked.url).port))).toBe(Math.min(1234, somaxconn));
  });
});
