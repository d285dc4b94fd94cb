import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { chatSessions, clients, ticketEvents } from '../server/db/schema.js';
import { startChat } from '../server/services/chat/startChat.js';
import { identityHash } from '../server/services/identity.js';
import type { ChatStarted } from '../shared/chat.js';
import type { EventOf } from '../shared/events.js';
import { agentClient, expectTrpcError, followEvents, newAdminToken, type AgentClient, type EventFollower } from './support/agent.js';
import { connectCustomer, requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useTestNode } from './support/suite.js';

const SECRET = 'host-site-shared-secret-identity-tests';

/**
 * PROTOCOL §7 "What a visitor is told" and "Matching and filling", attacked the way the
 * takeover was found: a customer known by phone alone, a visitor who types her phone.
 */
describeOnEachDriver('security: no customer takeover through the chat form', (db) => {
  const adminToken = newAdminToken();
  let agent: AgentClient;
  let agentId: string;
  const sockets: CustomerSocket[] = [];
  const followers: EventFollower[] = [];
  const node = useTestNode(db, { IDENTITY_SECRET: SECRET, ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    const created = await agentClient(node().url, adminToken).agents.create.mutate({
      name: 'Iara Atendente',
      email: uniqueContact().email,
      role: 'agent',
    });
    agent = agentClient(node().url, created.token);
    agentId = created.agent.id;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    for (const follower of followers.splice(0)) follower.stop();
  });

  /** A chat started by a visitor on a real socket, with whatever the visitor types. */
  async function visitorChat(payload: { name: string; email: string; phone: string; identityHash?: string }) {
    const socket = await connectCustomer(node().url);
    sockets.push(socket);
    return requestOk<ChatStarted>(socket, 'chat:start', payload);
  }

  /** A customer an agent registered from a phone call: a name and a phone, no e-mail. */
  async function phoneOnlyCustomer(name: string) {
    const contact = uniqueContact(name);
    const ticket = await agent.tickets.create.mutate({ subject: 'Ligação', source: 'phone', client: { name, phone: contact.phone } });
    return { contact, id: ticket.client.id };
  }

  const clientRow = async (id: string) => (await db().handle.db.select().from(clients).where(eq(clients.id, id)))[0]!;
  const sessionRow = async (id: string) => (await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, id)))[0]!;

  it("a visitor typing a phone-only customer's phone and his own e-mail writes nothing on her record and is never filed as her later", async () => {
    const victim = await phoneOnlyCustomer('Vitória Fone');
    const attacker = uniqueContact('Atacante');

    const started = await visitorChat({ name: attacker.name, email: attacker.email, phone: victim.contact.phone });

    // Her record is unchanged but for the ticket count.
    expect(await clientRow(victim.id)).toMatchObject({ email: null, name: 'Vitória Fone', phone: victim.contact.e164, totalTickets: 2 });
    expect(await sessionRow(started.sessionId)).toMatchObject({
      clientId: victim.id,
      matchedBy: 'phone',
      verified: false,
      userName: attacker.name,
      userEmail: attacker.email,
      userPhone: victim.contact.e164,
    });
    const ticket = await agent.tickets.get.query({ id: started.ticketId });
    expect(ticket.client).toMatchObject({ id: victim.id, email: null, name: 'Vitória Fone' });
    expect(ticket.chatSessions).toMatchObject([
      { id: started.sessionId, matchedBy: 'phone', verified: false, typed: { name: attacker.name, email: attacker.email, phone: victim.contact.e164 } },
    ]);
    // The e-mail she lacks is only a suggestion; her name is on file, so it is not one.
    expect(ticket.suggestions).toEqual([{ sessionId: started.sessionId, field: 'email', value: attacker.email }]);

    // The attacker's e-mail with another phone: a chat of someone else, not hers.
    const later = await visitorChat({ name: attacker.name, email: attacker.email, phone: uniqueContact().phone });
    const laterSession = await sessionRow(later.sessionId);
    expect(laterSession.clientId).not.toBe(victim.id);
    expect(laterSession.matchedBy).toBe('new');
    expect((await agent.tickets.get.query({ id: later.ticketId })).client.email).toBe(attacker.email);
    expect((await clientRow(victim.id)).totalTickets).toBe(2);
    const history = await agent.clients.history.query({ id: victim.id });
    expect(history.tickets.map((t) => t.id)).not.toContain(later.ticketId);
  });

  it('clients.acceptSuggestion writes the suggested field with an audit row; a stale or colliding suggestion is refused, writing nothing', async () => {
    const customer = await phoneOnlyCustomer('Sugestao Aceita');
    const typed = uniqueContact('Sugestao Aceita');
    const started = await visitorChat({ name: typed.name, email: typed.email, phone: customer.contact.phone });

    const accepted = await agent.clients.acceptSuggestion.mutate({ sessionId: started.sessionId, field: 'email' });
    expect(accepted).toMatchObject({ id: customer.id, email: typed.email, phone: customer.contact.e164, name: 'Sugestao Aceita' });
    expect((await clientRow(customer.id)).email).toBe(typed.email);
    const audit = await db()
      .handle.db.select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, started.ticketId), eq(ticketEvents.type, 'client.suggestion_accepted')));
    expect(audit).toMatchObject([
      { actorType: 'agent', actorId: agentId, data: { sessionId: started.sessionId, clientId: customer.id, field: 'email', value: typed.email } },
    ]);
    expect((await agent.tickets.get.query({ id: started.ticketId })).suggestions).toEqual([]);

    // No longer suggested: the e-mail is on file now; the name always was.
    const again = await expectTrpcError(agent.clients.acceptSuggestion.mutate({ sessionId: started.sessionId, field: 'email' }), 'CONFLICT');
    expect(again.message).toMatch(/no longer suggested/i);
    await expectTrpcError(agent.clients.acceptSuggestion.mutate({ sessionId: started.sessionId, field: 'name' }), 'CONFLICT');
    await expectTrpcError(
      agent.clients.acceptSuggestion.mutate({ sessionId: '00000000-0000-4000-8000-000000000000', field: 'email' }),
      'NOT_FOUND',
    );

    // A suggestion whose value another customer took meanwhile: refused, nothing written.
    const other = await phoneOnlyCustomer('Outra Pessoa');
    const claimed = uniqueContact('Outra Pessoa');
    const suggesting = await visitorChat({ name: claimed.name, email: claimed.email, phone: other.contact.phone });
    await agent.tickets.create.mutate({ subject: 'E-mail', source: 'email', client: { email: claimed.email } });
    const taken = await expectTrpcError(agent.clients.acceptSuggestion.mutate({ sessionId: suggesting.sessionId, field: 'email' }), 'CONFLICT');
    expect(taken.message).toMatch(/another customer/i);
    expect((await clientRow(other.id)).email).toBeNull();
    const noAudit = await db()
      .handle.db.select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, suggesting.ticketId), eq(ticketEvents.type, 'client.suggestion_accepted')));
    expect(noAudit).toEqual([]);
  });

  it("a verified visitor who types the victim's phone is not matched to her, and none of her chats reads verified", async () => {
    const victim = await phoneOnlyCustomer('Vitória Verificada');
    const attacker = uniqueContact('Atacante Verificado');

    const started = await visitorChat({
      name: attacker.name,
      email: attacker.email,
      phone: victim.contact.phone,
      identityHash: identityHash(attacker.email, SECRET),
    });

    const session = await sessionRow(started.sessionId);
    expect(session).toMatchObject({ matchedBy: 'new', verified: true });
    expect(session.clientId).not.toBe(victim.id);
    // One customer per phone: the newcomer is created without the phone she holds.
    expect(await clientRow(session.clientId)).toMatchObject({ email: attacker.email, name: attacker.name, phone: null, totalTickets: 1 });
    expect(await clientRow(victim.id)).toMatchObject({ email: null, name: 'Vitória Verificada', phone: victim.contact.e164, totalTickets: 1 });
    const history = await agent.clients.history.query({ id: victim.id });
    expect(history.tickets.map((t) => t.id)).not.toContain(started.ticketId);
    expect(history.chatSessions.filter((s) => s.verified)).toEqual([]);
  });

  it("a verified chat is matched by its e-mail and fills its own customer's empty fields (not a phone another customer holds)", async () => {
    const contact = uniqueContact('Veronica Dona');
    const emailOnly = await agent.tickets.create.mutate({ subject: 'E-mail', source: 'email', client: { email: contact.email } });
    const started = await visitorChat({ ...pick(contact), identityHash: identityHash(contact.email, SECRET) });

    expect(await sessionRow(started.sessionId)).toMatchObject({ clientId: emailOnly.client.id, matchedBy: 'email', verified: true });
    expect(await clientRow(emailOnly.client.id)).toMatchObject({ name: contact.name, phone: contact.e164, totalTickets: 2 });
    const ticket = await agent.tickets.get.query({ id: started.ticketId });
    expect(ticket.suggestions).toEqual([]);
    expect(ticket.chatSessions).toMatchObject([{ matchedBy: 'email', verified: true }]);

    const holder = await phoneOnlyCustomer('Dona do Telefone');
    const second = uniqueContact('Segunda Verificada');
    const secondCustomer = await agent.tickets.create.mutate({ subject: 'E-mail', source: 'email', client: { email: second.email } });
    const secondChat = await visitorChat({
      name: second.name,
      email: second.email,
      phone: holder.contact.phone,
      identityHash: identityHash(second.email, SECRET),
    });
    expect(await sessionRow(secondChat.sessionId)).toMatchObject({ clientId: secondCustomer.client.id, matchedBy: 'email' });
    expect(await clientRow(secondCustomer.client.id)).toMatchObject({ name: second.name, phone: null, totalTickets: 2 });
    expect(await clientRow(holder.id)).toMatchObject({ phone: holder.contact.e164, totalTickets: 1 });
  });

  it('50 simultaneous verified starts with one new e-mail and a phone another customer holds make one customer, without that phone', async () => {
    const holder = await phoneOnlyCustomer('Dona Concorrida');
    const contact = uniqueContact('Verificado Concorrente');
    const hash = identityHash(contact.email, SECRET);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        startChat({ name: contact.name, email: contact.email, phone: holder.contact.e164, identityHash: hash }, node().ctx),
      ),
    );
    const rows = await db().handle.db.select().from(clients).where(eq(clients.email, contact.email));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ phone: null, totalTickets: 50 });
    expect(new Set(results.map((r) => r.chat.clientId))).toEqual(new Set([rows[0]!.id]));
    expect(results.filter((r) => r.matchedBy === 'new')).toHaveLength(1);
    expect(await clientRow(holder.id)).toMatchObject({ totalTickets: 1 });
  });

  it('chat:start and PUT /api/chat answer sessionId, resumeToken, ticketId and ticketNumber only, for new and known customers alike', async () => {
    const contact = uniqueContact('Quatro Chaves');
    const keys = ['resumeToken', 'sessionId', 'ticketId', 'ticketNumber'];
    const first = await visitorChat(pick(contact));
    const returning = await visitorChat(pick(contact));
    expect(Object.keys(first).sort()).toEqual(keys);
    expect(Object.keys(returning).sort()).toEqual(keys);

    for (const body of [pick(contact), pick(uniqueContact())]) {
      const res = await fetch(`${node().url}/api/chat`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      expect(Object.keys((await res.json()) as object).sort()).toEqual(keys);
    }
  });

  it('ticket.created tells agents the clientId, returningClient and matchedBy of a chat', async () => {
    const follower = followEvents(agent);
    followers.push(follower);
    await follower.started;
    const victim = await phoneOnlyCustomer('Evento Fone');
    const byPhone = await visitorChat({ name: 'Outro Nome', email: uniqueContact().email, phone: victim.contact.phone });
    const fresh = uniqueContact('Evento Novo');
    const created = await visitorChat(pick(fresh));
    const byEmail = await visitorChat({ ...pick(fresh), phone: uniqueContact().phone });

    const created_ = (ticketId: string) => follower.next((e) => e.type === 'ticket.created' && e.ticketId === ticketId);
    expect(await created_(byPhone.ticketId)).toMatchObject({ source: 'chat', clientId: victim.id, returningClient: true, matchedBy: 'phone' });
    const newEvent = await created_(created.ticketId);
    expect(newEvent).toMatchObject({ source: 'chat', clientId: expect.any(String), returningClient: false, matchedBy: 'new' });
    expect(await created_(byEmail.ticketId)).toMatchObject({ clientId: (newEvent as EventOf<'ticket.created'>).clientId, returningClient: true, matchedBy: 'email' });
  });
});

function pick(contact: ReturnType<typeof uniqueContact>) {
  return { name: contact.name, email: contact.email, phone: contact.phone };
}
