import { afterAll, afterEach, beforeAll } from 'vitest';
import { parseAutomations } from '../../server/automations/automationsConfig.js';
import type { AtendeNode, NodeOverrides } from '../../server/main.js';
import { openTestPglite, type TestDatabase } from './databases.js';
import { connectCustomer, type CustomerSocket } from './customer.js';
import { startTestNode } from './node.js';

/**
 * Automations with routing `manual`, for suites whose agents are never online: with routing on,
 * its sweep (every few seconds) rightly takes back every chat assigned to an offline agent, in
 * the middle of a test that counts assignments or reads seeded figures.
 */
export const MANUAL_ROUTING = parseAutomations({ routing: { mode: 'manual' } });

/** Inside a suite: a node on the suite's database, started before its tests and stopped after them. */
export function useTestNode(
  db: () => TestDatabase,
  env: Record<string, string> = {},
  overrides: Omit<NodeOverrides, 'database'> = {},
): () => AtendeNode {
  let node: AtendeNode | undefined;
  beforeAll(async () => {
    node = await startTestNode(db().handle, env, overrides);
  });
  afterAll(() => node?.stop());
  return () => {
    if (!node) throw new Error('test node not started');
    return node;
  };
}

/** Inside a `describe` that runs on PGlite only: a migrated database of its own, closed after its tests. */
export function usePglite(): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await openTestPglite();
  });
  afterAll(() => database?.close());
  return () => {
    if (!database) throw new Error('test database not open');
    return database;
  };
}

/**
 * Inside a suite: a node on the suite's database for all its tests, and customer sockets
 * that are disconnected after each test.
 */
export function useNodeWithCustomers(
  db: () => TestDatabase,
  env: Record<string, string> = {},
  overrides: Omit<NodeOverrides, 'database'> = {},
) {
  const node = useTestNode(db, env, overrides);
  const sockets: CustomerSocket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  return {
    node,
    /** A connected customer socket, disconnected after the test. */
    async customer(options: { locale?: string } = {}): Promise<CustomerSocket> {
      const socket = await connectCustomer(node().url, options);
      sockets.push(socket);
      return socket;
    },
  };
}
