import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { domainEvents } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import { startChat } from '../server/services/chat/startChat.js';
import { relayCustomerTyping } from '../server/services/chat/relayTyping.js';
import type { AgentEvent, StreamControlEvent } from '../shared/events.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { newClientMsgId, uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';

type Item = AgentEvent | StreamControlEvent;

/** Follows tickets.onEvent with the tRPC client, which reconnects by itself with lastEventId. */
function trpcFollower(client: AgentClient, input?: { ticketId?: string; lastEventId?: string }) {
  const items: Array<{ id: string; data: Item }> = [];
  const waiters: Array<() => void> = [];
  const subscription = client.tickets.onEvent.subscribe(input, {
    onData: (item) => {
      items.push(item as { id: string; data: Item });
      for (const wake of waiters.splice(0)) wake();
    },
  });
  return {
    items,
    events: () => items.filter((item) => !item.data.type.startsWith('stream.')),
    async until(predicate: () => boolean) {
      while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    stop: () => subscription.unsubscribe(),
  };
}

const allPositions = async (node: AtendeNode) =>
  (await node.ctx.db.select({ position: domainEvents.position }).from(domainEvents).orderBy(domainEvents.position)).map((row) => String(row.position));

describeOnEachDriver('event ids and replay (tickets.onEvent, the event log)', (db) => {
  const adminToken = newAdminToken();
  let node: AtendeNode;
  let agent: AgentClient;
  beforeAll(async () => {
    node = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken });
    agent = agentClient(node.url, adminToken);
  });
  afterAll(() => node?.stop());

  const chat = async () => {
    const contact = uniqueContact('Ana Replay');
    return startChat({ name: contact.name, email: contact.email, phone: contact.e164, message: 'oi' }, node.ctx);
  };

  it('positions are gap-free and in commit order under concurrent writers; a stream gets each event once', async () => {
    const follower = trpcFollower(agent);
    await follower.until(() => follower.items.length > 0); // stream.ready
    const ready = follower.items[0]!;
    expect(ready.data.type).toBe('stream.ready');
    const chats = await Promise.all(Array.from({ length: 6 }, () => chat()));
    // Rounds of concurrent writes (a tRPC batch holds at most 20 calls).
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        chats.flatMap(({ started }) => [
          agent.tickets.reply.mutate({ id: started.ticketId, body: `r${round}`, clientMsgId: newClientMsgId() }),
          round === 2 ? agent.tickets.update.mutate({ id: started.ticketId, priority: 'HIGH' }) : [],
        ].flat()),
      );
    }
    const positions = await allPositions(node);
    expect(positions.map(Number)).toEqual(positions.map((_, i) => i + 1)); // 1, 2, 3… with no gap
    const after = positions.filter((position) => Number(position) > Number(ready.id));
    await follower.until(() => follower.events().length >= after.length);
    follower.stop();
    expect(follower.events().map((item) => item.id)).toEqual(after);
    expect(follower.events().every((item) => (item.data as { eventId?: string }).eventId === item.id)).toBe(true);
  });

  it('lastEventId replays what came after it from the database, then goes live; typing is not replayed', async () => {
    const { started, chat: ref } = await chat();
    const first = trpcFollower(agent, { ticketId: started.ticketId });
    await first.until(() => first.items.length > 0);
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'um', clientMsgId: newClientMsgId() });
    await first.until(() => first.events().length === 1);
    first.stop();
    const seen = first.events()[0]!;

    // While no one follows: a reply, typing, a note and a change of another ticket.
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'dois', clientMsgId: newClientMsgId() });
    relayCustomerTyping(ref, true, node.ctx);
    await agent.tickets.note.mutate({ id: started.ticketId, body: 'nota' });
    const other = await chat();
    await agent.tickets.update.mutate({ id: other.started.ticketId, status: 'PENDING' });

    const resumed = trpcFollower(agent, { ticketId: started.ticketId, lastEventId: seen.id });
    await resumed.until(() => resumed.events().length === 2);
    expect(resumed.items[0]!.data.type).toBe('stream.ready');
    expect(resumed.events().map((item) => item.data.type)).toEqual(['message.created', 'note.created']);
    const replayed = resumed.events()[0]!.data as AgentEvent & { type: 'message.created' };
    expect(replayed.message.body).toBe('dois');
    expect(replayed.at).toBe(replayed.message.createdAt);
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'três', clientMsgId: newClientMsgId() });
    await resumed.until(() => resumed.events().length === 3);
    resumed.stop();
    const ids = resumed.events().map((item) => Number(item.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(3);
  });

  it('a Last-Event-ID older than EVENT_REPLAY_HOURS, or unknown, says reset and goes on live', async () => {
    const { started } = await chat();
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'antiga', clientMsgId: newClientMsgId() });
    const [oldest] = await allPositions(node);
    await node.ctx.db.execute(sql`update domain_events set created_at = now() - interval '100 hours' where position <= ${Number(oldest) + 1}`);
    for (const lastEventId of [oldest!, '999999999']) {
      const follower = trpcFollower(agent, { ticketId: started.ticketId, lastEventId });
      await follower.until(() => follower.items.length > 0);
      expect(follower.items[0]!.data.type).toBe('stream.reset');
      await agent.tickets.reply.mutate({ id: started.ticketId, body: 'nova', clientMsgId: newClientMsgId() });
      await follower.until(() => follower.events().length === 1);
      follower.stop();
      expect(follower.events()[0]!.data.type).toBe('message.created');
    }
  });

  it('the tRPC client follows across a node restart with lastEventId, missing nothing, getting nothing twice', async () => {
    const { started } = await chat();
    const port = node.port;
    const follower = trpcFollower(agent, { ticketId: started.ticketId });
    await follower.until(() => follower.items.length > 0);
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'antes', clientMsgId: newClientMsgId() });
    await follower.until(() => follower.events().length === 1);

    await node.stop();
    // While the node is down, another node on the same database takes the replies.
    const other = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken });
    const otherAgent = agentClient(other.url, adminToken);
    for (const body of ['durante 1', 'durante 2']) await otherAgent.tickets.reply.mutate({ id: started.ticketId, body, clientMsgId: newClientMsgId() });
    node = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken, PORT: String(port) });
    await other.stop();
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'depois', clientMsgId: newClientMsgId() });
    await follower.until(() => follower.events().length >= 4);
    follower.stop();
    const bodies = follower.events().map((item) => (item.data as AgentEvent & { type: 'message.created' }).message.body);
    expect(bodies).toEqual(['antes', 'durante 1', 'durante 2', 'depois']);
  });
});
