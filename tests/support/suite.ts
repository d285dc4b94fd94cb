import { afterAll, afterEach, beforeAll } from 'vitest';
import type { AtendeNode, NodeOverrides } from '../../server/main.js';
import type { TestDatabase } from './databases.js';
import { connectCustomer, type CustomerSocket } from './customer.js';
import { startTestNode } from './node.js';

/**
 * Inside a suite: a node on the suite's database for all its tests, and customer sockets
 * that are disconnected after each test.
 */
export function useNodeWithCustomers(
  db: () => TestDatabase,
  env: Record<string, string> = {},
  overrides: Omit<NodeOverrides, 'database'> = {},
) {
  let node: AtendeNode | undefined;
  const sockets: CustomerSocket[] = [];
  beforeAll(async () => {
    node = await startTestNode(db().handle, env, overrides);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(() => node?.stop());

  const current = (): AtendeNode => {
    if (!node) throw new Error('test node not started');
    return node;
  };
  return {
    node: current,
    /** A connected customer socket, disconnected after the test. */
    async customer(options: { locale?: string } = {}): Promise<CustomerSocket> {
      const socket = await connectCustomer(current().url, options);
      sockets.push(socket);
      return socket;
    },
  };
}
