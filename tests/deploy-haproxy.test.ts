import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chatMessages } from '../server/db/schema.js';
import { newAdminToken } from './support/agent.js';
import { startHaproxy, waitUntil, type HaproxyBalancer } from './support/loadBalancers.js';
import { startNodeCluster, type NodeCluster } from './support/nodeCluster.js';
import { printNodeOutputOnFailure } from './support/processNode.js';
import { ReconnectingVisitor } from './support/reconnectingVisitor.js';
import { expectChatOverLongPolling, expectChatOverWebSocket, expectLimitsPerRealAddress } from './support/throughProxy.js';

/**
 * deploy/haproxy.cfg, run by Debian's HAProxy in front of three node processes on one
 * PostgreSQL and one Redis (PROTOCOL §10): what breaks Socket.IO behind a load balancer —
 * upgrades, long-polling without stickiness, client addresses, draining nodes — tried for real.
 */

printNodeOutputOnFailure();

const available = inject('postgresAvailable');

/** The address HAProxy connects to the nodes from, and the only one they trust to name the client. */
const PROXY_ADDRESS = '127.0.0.1';
/** Longer than HAProxy's two failed checks one second apart, with room for a busy machine. */
const SHUTDOWN_DELAY_MS = 5000;

describe.skipIf(!available)('three nodes behind HAProxy (deploy/haproxy.cfg)', () => {
  let cluster: NodeCluster;
  let proxy: HaproxyBalancer;

  beforeAll(async () => {
    cluster = await startNodeCluster(3, {
      ADMIN_TOKEN: newAdminToken(),
      TRUST_PROXY: PROXY_ADDRESS,
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      RATE_FAILED_AUTH_PER_MINUTE: '5',
    });
    proxy = await startHaproxy(cluster.ports);
    await everyNodeUp();
  });
  afterAll(async () => {
    await proxy?.stop();
    await cluster?.close();
  });

  async function everyNodeUp() {
    await waitUntil('HAProxy sees every node UP', async () => [...(await proxy.serverStatus()).values()].every((s) => s === 'UP'));
  }

  it('a chat over WebSocket through the proxy: two sockets of one session both get every message', async () => {
    await expectChatOverWebSocket(proxy.url, 'via-haproxy');
  });

  it('a client on long-polling only (keeping no cookie, like a widget on another site) chats through the proxy', async () => {
    // Sticky by the Engine.IO session: without it the balancer spreads the session's requests.
    await expectChatOverLongPolling(proxy.url);
  });

  it('per-IP limits count the real client address the proxy forwards, never the proxy’s own nor a forged one', async () => {
    await expectLimitsPerRealAddress(proxy.url, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });

  it('a SIGTERMed node leaves the pool through /readyz while it still serves, exits 0, and rejoins when started again', async () => {
    const index = 2;
    const node = cluster.nodes[index]!;
    const exited = cluster.stop(index);
    // HAProxy takes it out while it is still up: it answers /healthz, and /readyz says why not.
    await waitUntil('HAProxy marks node3 DOWN', async () => (await proxy.serverStatus()).get('node3') === 'DOWN');
    expect(node.child.exitCode).toBeNull();
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    const readiness = await fetch(`${node.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining' });

    expect(await exited).toBe(0);
    await cluster.start(index);
    await everyNodeUp();
  });

  it('rolling restart (SIGTERM one node, start it again, the next) while 50 chats keep sending: every acked message stored once, seqs gap-free, nothing but reconnects', async () => {
    const visitors = await Promise.all(Array.from({ length: 50 }, () => ReconnectingVisitor.start(proxy.url, { pauseMs: 200 })));
    await Promise.all(visitors.map((visitor) => visitor.acks(3)));

    for (let index = 0; index < cluster.nodes.length; index++) {
      expect(await cluster.stop(index)).toBe(0);
      await cluster.start(index);
      await everyNodeUp();
      // Every chat goes on after each step, whichever node it landed on.
      await Promise.all(visitors.map((visitor) => visitor.acks(2)));
    }
    await Promise.all(visitors.map((visitor) => visitor.stop()));

    expect(visitors.flatMap((visitor) => visitor.refusals)).toEqual([]);
    // Each node sent its own sockets away when it drained: the chats were spread, so some moved.
    expect(visitors.reduce((sum, visitor) => sum + visitor.reconnects, 0)).toBeGreaterThan(0);
    for (const visitor of visitors) {
      const rows = await cluster.database.handle.db
        .select()
        .from(chatMessages)
        .where(eq(chatMessages.sessionId, visitor.started.sessionId));
      const seqs = rows.map((row) => row.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      expect(new Set(rows.map((row) => row.clientMsgId)).size).toBe(rows.length);
      const stored = new Map(rows.map((row) => [row.clientMsgId, row.id]));
      for (const [clientMsgId, message] of visitor.acked) expect(stored.get(clientMsgId), clientMsgId).toBe(message.id);
      // And the visitor saw its whole conversation, nothing missing after the reconnects.
      expect([...visitor.seen.keys()].sort((a, b) => a - b)).toEqual(seqs);
    }
  });
});
