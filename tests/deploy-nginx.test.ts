import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { newAdminToken } from './support/agent.js';
import { startNginx, type LoadBalancer } from './support/loadBalancers.js';
import { startNodeCluster, type NodeCluster } from './support/nodeCluster.js';
import { printNodeOutputOnFailure } from './support/processNode.js';
import { expectChatOverLongPolling, expectChatOverWebSocket, expectLimitsPerRealAddress, FAILED_AUTH_PER_MINUTE } from './support/throughProxy.js';

/**
 * deploy/nginx.conf, run by Debian's nginx in front of three node processes on one PostgreSQL
 * and one Redis (PROTOCOL §10): WebSocket upgrades, long-polling kept on one node by ip_hash,
 * and the client's address forwarded for per-IP limits.
 */

printNodeOutputOnFailure();

const available = inject('postgresAvailable');

describe.skipIf(!available)('three nodes behind nginx (deploy/nginx.conf)', () => {
  let cluster: NodeCluster;
  let proxy: LoadBalancer;

  beforeAll(async () => {
    cluster = await startNodeCluster(3, {
      ADMIN_TOKEN: newAdminToken(),
      // nginx connects to the nodes from 127.0.0.1; clients come from other loopback addresses.
      TRUST_PROXY: '127.0.0.1',
      RATE_FAILED_AUTH_PER_MINUTE: String(FAILED_AUTH_PER_MINUTE),
    });
    proxy = await startNginx(cluster.ports);
  });
  afterAll(async () => {
    await proxy?.stop();
    await cluster?.close();
  });

  it('a chat over WebSocket through the proxy: two sockets of one session both get every message', async () => {
    await expectChatOverWebSocket(proxy.url, 'via-nginx');
  });

  it('a client on long-polling only chats through the proxy (ip_hash keeps its session on one node)', async () => {
    await expectChatOverLongPolling(proxy.url);
  });

  it('per-IP limits count the real client address nginx forwards, never nginx’s own nor a forged one', async () => {
    await expectLimitsPerRealAddress(proxy.url, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });
});
