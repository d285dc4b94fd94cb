import { afterEach, beforeAll } from 'vitest';
import { parseAutomations } from '../../server/automations/automationsConfig.js';
import { sweepIdleChats } from '../../server/services/chat/sweepIdleChats.js';
import type { ChatStarted } from '../../shared/chat.js';
import { agentClient, followEvents, newAdminToken, type AgentClient, type EventFollower } from './agent.js';
import type { TestDatabase } from './databases.js';
import { useTestNode } from './suite.js';
import { connectCustomer, requestOkRetrying, uniqueContact, type CustomerSocket } from './customer.js';

/** An agent of a routing test: its client, and its event stream while it keeps one open. */
export interface TeamAgent {
  id: string;
  name: string;
  api: AgentClient;
  token: string;
  stream?: EventFollower;
}

/** Creates agents (with this capacity) through an admin; none is online yet. */
export async function createAgents(baseUrl: string, admin: AgentClient, names: string[], capacity?: number): Promise<TeamAgent[]> {
  const team: TeamAgent[] = [];
  for (const name of names) {
    const created = await admin.agents.create.mutate({ name, email: uniqueContact().email, role: 'agent' });
    if (capacity !== undefined) await admin.agents.update.mutate({ id: created.agent.id, capacity });
    team.push({ id: created.agent.id, name, token: created.token, api: agentClient(baseUrl, created.token) });
  }
  return team;
}

/** The agent asks to be online and keeps an event stream open (live on every node while it does). */
export async function goOnline(agent: TeamAgent): Promise<void> {
  if (!agent.stream) {
    agent.stream = followEvents(agent.api);
    await agent.stream.started;
  }
  await agent.api.agents.setStatus.mutate({ status: 'online' });
}

/** The agent asks to be offline and closes its stream. */
export async function goOffline(agent: TeamAgent): Promise<void> {
  await agent.api.agents.setStatus.mutate({ status: 'offline' });
  agent.stream?.stop();
  agent.stream = undefined;
}

/** A visitor whose socket records every `queue:position` and `agent:joined` from before its chat starts. */
export interface WaitingVisitor {
  socket: CustomerSocket;
  started: ChatStarted;
  positions: number[];
  joined: string[];
  /** Resolves once `queue:position` has said `position` (now or later). */
  position(position: number): Promise<void>;
  /** Resolves with the name of the first agent that joined (now or later). */
  agent(): Promise<string>;
  /** Resolves with the names of the first `count` agents that joined (now or later). */
  agents(count: number): Promise<string[]>;
}

export async function startWaitingChat(baseUrl: string, name = 'Vera Fila'): Promise<WaitingVisitor> {
  const socket = await connectCustomer(baseUrl);
  const positions: number[] = [];
  const joined: string[] = [];
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  socket.on('queue:position', ({ position }) => {
    positions.push(position);
    wake();
  });
  socket.on('agent:joined', ({ agentName }) => {
    joined.push(agentName);
    wake();
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const contact = uniqueContact(name);
  const started = await requestOkRetrying<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
  return {
    socket,
    started,
    positions,
    joined,
    position: (position) => until(() => positions.at(-1) === position),
    agent: async () => {
      await until(() => joined.length > 0);
      return joined[0]!;
    },
    agents: async (count) => {
      await until(() => joined.length >= count);
      return joined.slice(0, count);
    },
  };
}

/**
 * A suite's node with these automations (routing among them), its agents and visitors, undone
 * after each test: agents offline (they take no chat of the next test) and every open chat
 * ended, so each test starts with an empty queue.
 */
export function useRoutedTeam(db: () => TestDatabase, automations: Record<string, unknown>, env: Record<string, string> = {}) {
  const adminToken = newAdminToken();
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken, ...env }, { automations: parseAutomations(automations) });
  let admin: AgentClient;
  const agents: TeamAgent[] = [];
  const visitors: WaitingVisitor[] = [];
  beforeAll(() => {
    admin = agentClient(node().url, adminToken);
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) await goOffline(agent);
    await sweepIdleChats(0, node().ctx);
    for (const visitor of visitors.splice(0)) visitor.socket.disconnect();
    await node().routing.idle();
  });
  return {
    node,
    admin: () => admin,
    async team(names: string[], capacity?: number) {
      const created = await createAgents(node().url, admin, names, capacity);
      agents.push(...created);
      return created;
    },
    async visitor(name?: string) {
      const visitor = await startWaitingChat(node().url, name);
      visitors.push(visitor);
      return visitor;
    },
  };
}
