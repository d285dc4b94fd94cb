import { asc, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { chatMessages, chatSessions, tickets, type ChatMessageRow } from '../server/db/schema.js';
import { startChat } from '../server/services/chat/startChat.js';
import { writeMessageBatch } from '../server/services/messages/writeMessageBatch.js';
import type { ChatResumed, ChatStarted, Message } from '../shared/chat.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { connectCustomer, newClientMsgId, requestOk, uniqueContact, waitForEvent } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { useNodeWithCustomers } from './support/suite.js';

/**
 * PROTOCOL §8 first response, kept on each chat session by the writes of its messages
 * (first_customer_message_at, first_agent_reply_at): every path that writes a message keeps it
 * right, and metrics.summary reads it. Each test checks the session's columns against the
 * stored messages, then the figure of its own ticket.
 */

// No assistant (it would answer and escalate beside the test's own messages) but on the node of the bot's test.
const AUTOMATIONS = parseAutomations({ routing: { mode: 'manual' } });
const WITH_ASSISTANT = parseAutomations({
  routing: { mode: 'manual' },
  assistant: { faq: [{ question: 'Qual o prazo de entrega?', answer: 'Entregamos em até 5 dias úteis.' }], minConfidence: 0.5, handoffKeywords: ['atendente'] },
});

describeOnEachDriver('first response kept by every message write', (db) => {
  const adminToken = newAdminToken();
  const suite = useNodeWithCustomers(db, { ADMIN_TOKEN: adminToken }, { automations: AUTOMATIONS });
  let agent: AgentClient;
  let restToken: string;
  let restAgentId: string;
  beforeAll(async () => {
    agent = agentClient(suite.node().url, adminToken);
    const created = await agent.agents.create.mutate({ name: 'Rita Rest', email: uniqueContact().email, role: 'agent' });
    restToken = created.token;
    restAgentId = created.agent.id;
  });

  const messagesOf = (sessionId: string): Promise<ChatMessageRow[]> =>
    db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, sessionId)).orderBy(asc(chatMessages.seq));

  /** The session's first-response columns are the times of these messages (by seq), or null. */
  async function expectFacts(sessionId: string, expected: { customerSeq: number | null; replySeq: number | null }) {
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, sessionId));
    const messages = await messagesOf(sessionId);
    const at = (seq: number | null) => (seq === null ? null : messages.find((m) => m.seq === seq)!.createdAt);
    expect({ customer: session!.firstCustomerMessageAt, reply: session!.firstAgentReplyAt }).toEqual({
      customer: at(expected.customerSeq),
      reply: at(expected.replySeq),
    });
    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, session!.ticketId));
    expect(session!.ticketCreatedAt).toEqual(ticket!.createdAt);
  }

  /** metrics.summary's first response over this ticket alone (created within its millisecond). */
  async function firstResponseOf(ticketId: string) {
    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, ticketId));
    const from = ticket!.createdAt;
    const summary = await agent.metrics.summary.query({ from: from.toISOString(), to: new Date(from.getTime() + 1).toISOString() });
    expect(summary.chatTickets).toBe(1);
    return summary.firstResponseMs;
  }

  /** The figure is the gap between the two messages (times read back at millisecond precision). */
  async function expectResponse(ticketId: string, sessionId: string, customerSeq: number, replySeq: number) {
    const messages = await messagesOf(sessionId);
    const gap = messages.find((m) => m.seq === replySeq)!.createdAt.getTime() - messages.find((m) => m.seq === customerSeq)!.createdAt.getTime();
    const { p50 } = await firstResponseOf(ticketId);
    expect(Math.abs(p50! - gap)).toBeLessThanOrEqual(1);
  }

  async function rest(path: string, body: unknown) {
    const response = await fetch(`${suite.node().url}/api/v1${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${restToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as Message;
  }

  it('a chat started with a message (socket), answered by tRPC', async () => {
    const socket = await suite.customer();
    const contact = uniqueContact('Clara Socket');
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, message: 'Oi' });
    await expectFacts(started.sessionId, { customerSeq: 1, replySeq: null });
    expect(await firstResponseOf(started.ticketId)).toEqual({ avg: null, p50: null, p90: null });

    const reply = await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Olá!', clientMsgId: newClientMsgId() });
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Ainda aí?', clientMsgId: newClientMsgId() });
    await expectFacts(started.sessionId, { customerSeq: 1, replySeq: reply.seq });
    await expectResponse(started.ticketId, started.sessionId, 1, reply.seq);
  });

  it('an agent greeting before the customer wrote is no response; the customer by socket, the reply by REST', async () => {
    const socket = await suite.customer();
    const contact = uniqueContact('Rui Rest');
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Bem-vindo!', clientMsgId: newClientMsgId() });
    await expectFacts(started.sessionId, { customerSeq: null, replySeq: null });

    const clientMsgId = newClientMsgId();
    const asked = await requestOk<Message>(socket, 'message:send', { body: 'Preciso de ajuda', clientMsgId });
    expect(asked.seq).toBe(2);
    await expectFacts(started.sessionId, { customerSeq: 2, replySeq: null });

    const reply = await rest(`/tickets/${started.ticketId}/replies`, { body: 'Claro!', clientMsgId: newClientMsgId() });
    // The customer's message sent again stores nothing and moves nothing.
    expect(await requestOk<Message>(socket, 'message:send', { body: 'Preciso de ajuda', clientMsgId })).toEqual(asked);
    await expectFacts(started.sessionId, { customerSeq: 2, replySeq: reply.seq });
    await expectResponse(started.ticketId, started.sessionId, 2, reply.seq);
  });

  it('a chat over HTTP (/api/chat), answered by REST', async () => {
    const contact = uniqueContact('Hugo Http');
    const call = async (method: string, body: unknown, token?: string) => {
      const response = await fetch(`${suite.node().url}/api/chat`, {
        method,
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return response.json();
    };
    const started = (await call('PUT', { name: contact.name, email: contact.email, phone: contact.phone })) as ChatStarted;
    await call('POST', { body: 'Pelo HTTP', clientMsgId: newClientMsgId() }, started.resumeToken);
    await expectFacts(started.sessionId, { customerSeq: 1, replySeq: null });
    await rest(`/tickets/${started.ticketId}/replies`, { body: 'Recebido', clientMsgId: newClientMsgId() });
    await expectFacts(started.sessionId, { customerSeq: 1, replySeq: 2 });
    await expectResponse(started.ticketId, started.sessionId, 1, 2);
  });

  it("a late reply after the chat ended counts; the customer's answer through the link opens a session with its own", async () => {
    const socket = await suite.customer();
    const contact = uniqueContact('Lia Tarde');
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, message: 'Alguém?' });
    await requestOk(socket, 'chat:close', {});
    const late = await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Desculpe a demora', clientMsgId: newClientMsgId() });
    expect(late.seq).toBe(2);
    await expectFacts(started.sessionId, { customerSeq: 1, replySeq: 2 });
    await expectResponse(started.ticketId, started.sessionId, 1, 2);

    // The /c/ link of the late reply's e-mail is a resume token; writing through it continues the ticket.
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
    const link = await suite.customer();
    await requestOk<ChatResumed>(link, 'chat:resume', { resumeToken: suite.node().ctx.links.issue(session!) });
    const answer = await requestOk<Message>(link, 'message:send', { body: 'Tudo certo agora', clientMsgId: newClientMsgId() });
    expect(answer.sessionId).not.toBe(started.sessionId);
    await expectFacts(answer.sessionId, { customerSeq: 1, replySeq: null });
    const live = await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Que bom', clientMsgId: newClientMsgId() });
    expect(live).toMatchObject({ sessionId: answer.sessionId, seq: 2 });
    await expectFacts(answer.sessionId, { customerSeq: 1, replySeq: 2 });
    await expectFacts(started.sessionId, { customerSeq: 1, replySeq: 2 });
    // Both sessions of the ticket count, each from its own first customer message.
    const gaps = await Promise.all(
      [started.sessionId, answer.sessionId].map(async (id) => {
        const [first, second] = await messagesOf(id);
        return second!.createdAt.getTime() - first!.createdAt.getTime();
      }),
    );
    const { avg } = await firstResponseOf(started.ticketId);
    expect(Math.abs(avg! - (gaps[0]! + gaps[1]!) / 2)).toBeLessThanOrEqual(1);
  });

  it("the assistant's answers are not an agent's", async () => {
    const node = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken }, { automations: WITH_ASSISTANT });
    const socket = await connectCustomer(node.url);
    try {
      const contact = uniqueContact('Bia Bot');
      const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
      const bot = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'bot');
      await requestOk<Message>(socket, 'message:send', { body: 'qual o prazo de entrega?', clientMsgId: newClientMsgId() });
      expect((await bot).seq).toBe(2);
      await node.automations.idle();
      await expectFacts(started.sessionId, { customerSeq: 1, replySeq: null });
      expect((await firstResponseOf(started.ticketId)).p50).toBeNull();
    } finally {
      socket.disconnect();
      await node.stop();
    }
  });

  it('in one batch, an agent message after the customer\'s answers it (0 ms) and one before it does not', async () => {
    const chat = async () => (await startChat(contactOf('Lote'), suite.node().ctx)).chat;
    // One after the other: each ticket's figure is read over its own millisecond.
    const answered = await chat();
    const greeted = await chat();
    const agentAuthor = { type: 'agent' as const, agentId: restAgentId, name: 'Rita Rest' };
    const outcomes = await writeMessageBatch(
      db().handle.db,
      [
        { chat: answered, author: agentAuthor, input: { body: 'Olá' } },
        { chat: answered, author: { type: 'client' }, input: { body: 'Oi', clientMsgId: newClientMsgId() } },
        { chat: answered, author: agentAuthor, input: { body: 'Diga' } },
        { chat: greeted, author: agentAuthor, input: { body: 'Olá' } },
        { chat: greeted, author: { type: 'client' }, input: { body: 'Oi', clientMsgId: newClientMsgId() } },
      ],
      100,
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    await expectFacts(answered.sessionId, { customerSeq: 2, replySeq: 3 });
    expect((await firstResponseOf(answered.ticketId)).p50).toBe(0);
    await expectFacts(greeted.sessionId, { customerSeq: 2, replySeq: null });

    // The next agent message, in a batch of its own, is the reply.
    await writeMessageBatch(db().handle.db, [{ chat: greeted, author: agentAuthor, input: { body: 'Como posso ajudar?' } }], 100);
    await expectFacts(greeted.sessionId, { customerSeq: 2, replySeq: 3 });
    await expectResponse(greeted.ticketId, greeted.sessionId, 2, 3);
  });
});

function contactOf(name: string) {
  const contact = uniqueContact(name);
  return { name: contact.name, email: contact.email, phone: contact.e164 };
}
