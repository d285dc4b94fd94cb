import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { startChatOn } from './support/customer.js';
import { describeOnEachDriver, openTestPostgres, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { spawnNode, type NodeProcess } from './support/processNode.js';
import { startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';

/** PROTOCOL §7: a revoked agent's open event streams end within this long, on every node. */
const REVOKED_STREAM_ENDS_WITHIN_MS = 2000;

interface OpenStream {
  started: Promise<void>;
  /** Resolves with how the stream ended: `UNAUTHORIZED` (an error's code) or `complete`. */
  ended: Promise<string>;
  events: unknown[];
  stop(): void;
}

function openStream(client: AgentClient): OpenStream {
  const events: unknown[] = [];
  let markStarted!: () => void;
  let end!: (how: string) => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ended = new Promise<string>((resolve) => (end = resolve));
  const subscription = client.tickets.onEvent.subscribe(undefined, {
    onStarted: () => markStarted(),
    onData: (event) => events.push(event),
    onError: (error) => end(String((error as { data?: { code?: string } }).data?.code ?? error.message)),
    onComplete: () => end('complete'),
    onStopped: () => end('stopped'),
  });
  return { started, ended, events, stop: () => subscription.unsubscribe() };
}

/** How long the stream took to end after `since`, or 'still open' past a generous deadline. */
function endedWithin(stream: OpenStream, since: number, deadlineMs = 3 * REVOKED_STREAM_ENDS_WITHIN_MS) {
  let timer: NodeJS.Timeout;
  const late = new Promise<{ how: string; ms: number }>((resolve) => {
    timer = setTimeout(() => resolve({ how: 'still open', ms: Infinity }), deadlineMs);
  });
  const ended = stream.ended.then((how) => ({ how, ms: Date.now() - since }));
  return Promise.race([ended, late]).finally(() => clearTimeout(timer));
}

async function createAgentOn(url: string, adminToken: string) {
  const admin = agentClient(url, adminToken);
  const { agent, token } = await admin.agents.create.mutate({
    name: 'Ana Atendente',
    email: `ana-${Math.random().toString(36).slice(2)}@example.com`,
    role: 'agent',
  });
  return { admin, agent, token };
}

describe.skipIf(!inject('postgresAvailable'))('revoked agents: two node processes on one PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodeA: NodeProcess;
  let nodeB: NodeProcess;
  const adminToken = newAdminToken();

  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    const env = { DATABASE_URL: database.url!, REDIS_URL: redis.url, ADMIN_TOKEN: adminToken };
    [nodeA, nodeB] = await Promise.all([spawnNode(env), spawnNode(env)]);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
    await database?.close();
  });

  it('an agent streaming on node B is cut off within 2 s of being revoked through node A', async () => {
    const { admin, agent, token } = await createAgentOn(nodeA.url, adminToken);
    const revokedAgent = agentClient(nodeB.url, token);
    const stream = openStream(revokedAgent);
    const bystander = openStream(agentClient(nodeB.url, adminToken));
    await Promise.all([stream.started, bystander.started]);

    await admin.agents.revoke.mutate({ id: agent.id });
    const revokedAt = Date.now();
    const outcome = await endedWithin(stream, revokedAt);
    expect(outcome.how).toBe('UNAUTHORIZED');
    expect(outcome.ms).toBeLessThan(REVOKED_STREAM_ENDS_WITHIN_MS);

    // Nothing published afterwards reaches it; the admin's stream on the same node lives on.
    const seenBefore = stream.events.length;
    await startChatOn(nodeA.url).then(({ socket }) => socket.disconnect());
    await expect.poll(() => bystander.events.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(stream.events.length).toBe(seenBefore);
    stream.stop();
    bystander.stop();
  });
});

describeOnEachDriver('revoked agents: the token re-check when no announcement arrives', (db) => {
  let nodeA: AtendeNode;
  let nodeB: AtendeNode;
  const adminToken = newAdminToken();

  // Two nodes on one database and no Redis: node B never hears node A's announcement, as
  // during a Redis outage, so only B's own re-check of the token can end the stream.
  beforeAll(async () => {
    nodeA = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken });
    nodeB = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken });
  });
  afterAll(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
  });

  it('a stream on a node that missed the revocation still ends within 2 s', async () => {
    const { admin, agent, token } = await createAgentOn(nodeA.url, adminToken);
    const stream = openStream(agentClient(nodeB.url, token));
    await stream.started;

    await admin.agents.revoke.mutate({ id: agent.id });
    const outcome = await endedWithin(stream, Date.now());
    expect(outcome.how).toBe('UNAUTHORIZED');
    expect(outcome.ms).toBeLessThan(REVOKED_STREAM_ENDS_WITHIN_MS);
  });

  it('on the node that revoked it, the stream ends at once', async () => {
    const { admin, agent, token } = await createAgentOn(nodeA.url, adminToken);
    const stream = openStream(agentClient(nodeA.url, token));
    await stream.started;

    await admin.agents.revoke.mutate({ id: agent.id });
    const outcome = await endedWithin(stream, Date.now());
    expect(outcome.how).toBe('UNAUTHORIZED');
    expect(outcome.ms).toBeLessThan(500);
  });
});
