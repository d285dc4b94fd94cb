import { count, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { chatSessions } from '../server/db/schema.js';
import { identityHash } from '../server/services/identity.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { describeOnEachDriver } from './support/databases.js';
import { connectCustomer, request, requestOk, uniqueContact } from './support/customer.js';
import { useTestNode } from './support/suite.js';

const SECRET = 'host-site-shared-secret-0123456789';

describeOnEachDriver('identity verification (IDENTITY_SECRET)', (db) => {
  const adminToken = newAdminToken();
  let agent: AgentClient;
  const node = useTestNode(db, { IDENTITY_SECRET: SECRET, ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    agent = agentClient(node().url, adminToken);
  });

  it('marks vouched chats verified, leaves others unverified, and refuses a forged hash writing nothing', async () => {
    const contact = uniqueContact('Verificada');
    const socket = await connectCustomer(node().url);
    const payload = { name: contact.name, email: contact.email, phone: contact.phone };

    const verified = await requestOk<ChatStarted>(socket, 'chat:start', {
      ...payload,
      email: contact.email.toUpperCase(),
      identityHash: identityHash(contact.email, SECRET),
    });
    const claimed = await requestOk<ChatStarted>(socket, 'chat:start', payload);
    const clientOf = async (started: ChatStarted) =>
      (await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId)))[0]!.clientId;
    const clientId = await clientOf(verified);
    expect(await clientOf(claimed)).toBe(clientId);

    const [before] = await db().handle.db.select({ n: count() }).from(chatSessions);
    const forged = await request(socket, 'chat:start', { ...payload, identityHash: identityHash(contact.email, 'guessed-secret') });
    expect(forged).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const malformed = await request(socket, 'chat:start', { ...payload, identityHash: 'abc' });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { identityHash: expect.any(String) } } });
    const [after] = await db().handle.db.select({ n: count() }).from(chatSessions);
    expect(after!.n).toBe(before!.n);

    const rows = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.clientId, clientId));
    const byId = new Map(rows.map((row) => [row.id, row.verified]));
    expect(byId.get(verified.sessionId)).toBe(true);
    expect(byId.get(claimed.sessionId)).toBe(false);

    // Agents see which chats were verified, in the ticket and in the customer's history.
    const ticket = await agent.tickets.get.query({ id: claimed.ticketId });
    expect(ticket.chatSessions.map((s) => s.verified)).toEqual([false]);
    const history = await agent.clients.history.query({ id: clientId });
    const marks = Object.fromEntries(history.chatSessions.map((s) => [s.id, s.verified]));
    expect(marks).toEqual({ [verified.sessionId]: true, [claimed.sessionId]: false });
    socket.disconnect();
  });
});
