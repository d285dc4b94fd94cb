import { eq, and } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAutomations, parseAutomations } from '../server/automations/automationsConfig.js';
import { pickCategory } from '../server/automations/categorize.js';
import { createFaqRetriever } from '../server/automations/faqRetriever.js';
import { chatSessions, ticketEvents, tickets } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import { sweepIdleChats } from '../server/services/chat/sweepIdleChats.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import type { DomainEvent } from '../shared/events.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { connectCustomer, newClientMsgId, requestOk, uniqueContact, waitForEvent, type CustomerSocket } from './support/customer.js';

const FAQ = [
  { question: 'Qual o prazo de entrega?', answer: 'Entregamos em até 5 dias úteis.' },
  { question: 'Quais as formas de pagamento?', answer: 'Aceitamos Pix, boleto e cartão.' },
  { question: 'Como faço para trocar um produto?', answer: 'Você pode trocar em até 30 dias.' },
];

const STORE = parseAutomations({
  closeTicketOnChatEnd: 'RESOLVED',
  assistant: { faq: FAQ, minConfidence: 0.5, handoffKeywords: ['atendente', 'humano', 'falar com uma pessoa'] },
  categories: [
    { category: 'Financeiro', keywords: ['boleto', 'pagamento', 'fatura', 'cobrança'] },
    { category: 'Logística', keywords: ['entrega', 'frete', 'rastreio'] },
  ],
});

async function startChat(node: AtendeNode, extra: Record<string, unknown> = {}) {
  const socket = await connectCustomer(node.url);
  const contact = uniqueContact();
  const started = await requestOk<ChatStarted>(socket, 'chat:start', {
    name: contact.name,
    email: contact.email,
    phone: contact.phone,
    ...extra,
  });
  return { socket, started };
}

function say(socket: CustomerSocket, body: string) {
  return requestOk<Message>(socket, 'message:send', { body, clientMsgId: newClientMsgId() });
}

describe('the FAQ retriever', () => {
  const match = createFaqRetriever(FAQ);
  it('scores a question itself at least 0.9 and a message sharing no word 0, accents and case ignored', () => {
    expect(match('Qual o prazo de entrega?').confidence).toBeGreaterThanOrEqual(0.9);
    expect(match('QUAIS AS FORMAS DE PAGAMENTO').confidence).toBeGreaterThanOrEqual(0.9);
    expect(match('como faco para trocar um produto').entry?.answer).toBe('Você pode trocar em até 30 dias.');
    expect(match('meu cachorro comeu o sofá').confidence).toBe(0);
    expect(match('bom dia').confidence).toBe(0);
    const partial = match('quanto demora a entrega?').confidence;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(0.9);
  });
});

describe('AUTOMATIONS_FILE validation', () => {
  it('names the bad field', () => {
    expect(() => parseAutomations({ closeTicketOnChatEnd: 'DONE' })).toThrow(/closeTicketOnChatEnd/);
    expect(() => parseAutomations({ assistant: { faq: [{ question: 'x' }] } })).toThrow(/assistant\.faq\.0\.answer/);
    expect(() => parseAutomations({ assistant: { faq: FAQ, minConfidence: 2 } })).toThrow(/assistant\.minConfidence/);
    expect(() => parseAutomations({ webhooks: [{ url: 'ftp://x', secret: '12345678', events: ['chat.closed'] }] })).toThrow(/webhooks\.0\.url/);
    expect(() => parseAutomations({ surprise: true })).toThrow(/surprise|Unrecognized/);
    expect(parseAutomations({}).closeTicketOnChatEnd).toBe('RESOLVED');
  });

  it('the README example (a small store, pt-BR) loads and behaves as documented', () => {
    const store = loadAutomations('examples/automations.pt-BR.json');
    const match = createFaqRetriever(store.assistant!.faq);
    expect(match('qual é o prazo de entrega?').confidence).toBeGreaterThanOrEqual(store.assistant!.minConfidence);
    expect(match('quanto custa o frete').entry?.answer).toMatch(/grátis/);
    expect(match('meu cachorro comeu o sofá').confidence).toBeLessThan(store.assistant!.minConfidence);
    expect(pickCategory('não recebi o BOLETO', store.categories)).toBe('Financeiro');
    expect(pickCategory('a transportadora atrasou', store.categories)).toBe('Logística');
    expect(pickCategory('veio com defeito, quero devolução', store.categories)).toBe('Trocas e Devoluções');
    expect(() => loadAutomations('examples/nope.json')).toThrow(/AUTOMATIONS_FILE/);
  });
});

describeOnEachDriver('automations', (db) => {
  let node: AtendeNode;
  beforeAll(async () => {
    node = await startTestNode(db().handle, {}, { automations: STORE });
  });
  afterAll(() => node?.stop());

  const ticketOf = async (id: string) => (await db().handle.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;
  const auditOf = (ticketId: string, type: string) =>
    db().handle.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, type)));

  it('answers a FAQ question as the bot, in the order asked', async () => {
    const { socket, started } = await startChat(node);
    const answer = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'bot');
    const question = await say(socket, 'qual o prazo de entrega?');
    const bot = await answer;
    expect(bot).toMatchObject({ senderType: 'bot', senderName: 'Assistente', body: 'Entregamos em até 5 dias úteis.' });
    expect(bot.seq).toBe(question.seq + 1);
    const ticket = await ticketOf(started.ticketId);
    expect(ticket).toMatchObject({ escalated: false, priority: 'NORMAL' });
    socket.disconnect();
  });

  it('escalates below the threshold: HIGH, escalated, an audit row with the confidence, a system message; then stays quiet', async () => {
    const { socket, started } = await startChat(node);
    const system = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'system');
    const events: DomainEvent[] = [];
    const unsubscribe = node.ctx.bus.subscribe((event) => {
      if (event.ticketId === started.ticketId) events.push(event);
    });
    await say(socket, 'meu pedido chegou quebrado');
    expect((await system).body).toMatch(/pessoa da nossa equipe/);

    const ticket = await ticketOf(started.ticketId);
    expect(ticket).toMatchObject({ escalated: true, priority: 'HIGH' });
    expect(ticket.escalatedAt).toBeInstanceOf(Date);
    const [audit] = await auditOf(started.ticketId, 'chat.escalated');
    expect(audit!.data).toMatchObject({ reason: 'low_confidence', confidence: 0 });
    expect(events.find((e) => e.type === 'chat.escalated')).toMatchObject({ confidence: 0, sessionId: started.sessionId });

    // After escalation the bot says nothing, even to a question it knows.
    const known = await say(socket, 'qual o prazo de entrega?');
    await node.automations.idle();
    const resumed = await requestOk(socket, 'chat:resume', { resumeToken: started.resumeToken, lastSeq: known.seq });
    expect(resumed.messages).toEqual([]);
    expect(await auditOf(started.ticketId, 'chat.escalated')).toHaveLength(1);
    unsubscribe();
    socket.disconnect();
  });

  it('escalates on a handoff keyword even when the FAQ knows the answer', async () => {
    const { socket, started } = await startChat(node);
    const system = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'system');
    await say(socket, 'Quero falar com um ATENDENTE sobre o prazo de entrega');
    await system;
    const [audit] = await auditOf(started.ticketId, 'chat.escalated');
    expect(audit!.data).toMatchObject({ reason: 'handoff_keyword' });
    socket.disconnect();
  });

  it('tells an English-speaking customer in English', async () => {
    const { socket } = await startChat(node, { locale: 'en' });
    const system = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'system');
    await say(socket, 'I need a humano please');
    expect((await system).body).toMatch(/person from our team/);
    socket.disconnect();
  });

  it('categorizes by the first messages, accents and case ignored, once', async () => {
    const { socket, started } = await startChat(node, { message: 'Olá' });
    await say(socket, 'Não recebi a COBRANCA do meu pedido');
    await node.automations.idle();
    expect((await ticketOf(started.ticketId)).category).toBe('Financeiro');
    await say(socket, 'e o frete?');
    await node.automations.idle();
    expect((await ticketOf(started.ticketId)).category).toBe('Financeiro');
    const audit = await auditOf(started.ticketId, 'ticket.updated');
    expect(audit.filter((row) => (row.data as { cause?: string }).cause === 'categories')).toHaveLength(1);
    socket.disconnect();
  });

  it('closing a chat no agent answered keeps its ticket OPEN (PROTOCOL §8; answered chats: chat-endings.test.ts)', async () => {
    const { socket, started } = await startChat(node);
    await requestOk(socket, 'chat:close', {});
    expect((await ticketOf(started.ticketId)).status).toBe('OPEN');
    expect(await auditOf(started.ticketId, 'chat.abandoned')).toHaveLength(1);
    socket.disconnect();
  });

  it('idle chats close with reason timeout, once, while several sweepers race', async () => {
    const chats = await Promise.all(Array.from({ length: 6 }, () => startChat(node)));
    const closedEvents = chats.map(({ socket }) => waitForEvent(socket, 'chat:closed'));
    // Age them rather than wait: the sweep compares last activity with the database clock.
    for (const { started } of chats) {
      await db()
        .handle.db.update(chatSessions)
        .set({ lastActivityAt: new Date(Date.now() - 60_000) })
        .where(eq(chatSessions.id, started.sessionId));
    }
    const fresh = await startChat(node);
    const counts = await Promise.all(Array.from({ length: 4 }, () => sweepIdleChats(30_000, node.ctx)));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6);

    for (const [i, { started }] of chats.entries()) {
      expect(await closedEvents[i]).toEqual({ reason: 'timeout' });
      const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
      expect(session).toMatchObject({ status: 'closed', closeReason: 'timeout' });
      expect(await auditOf(started.ticketId, 'chat.closed')).toHaveLength(1);
      // Nobody answered them: walk-aways, not resolutions (PROTOCOL §8).
      expect(session).toMatchObject({ unanswered: true });
      expect(await auditOf(started.ticketId, 'chat.abandoned')).toHaveLength(1);
      expect((await ticketOf(started.ticketId)).status).toBe('OPEN');
    }
    const [freshSession] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, fresh.started.sessionId));
    expect(freshSession!.status).toBe('active');
    for (const { socket } of [...chats, fresh]) socket.disconnect();
  });
});

describeOnEachDriver('closeTicketOnChatEnd and the idle timer', (db) => {
  it('null leaves the ticket as it is; a short idleTimeoutMs closes chats on its own', async () => {
    const node = await startTestNode(db().handle, {}, { automations: parseAutomations({ closeTicketOnChatEnd: null, idleTimeoutMs: 800 }) });
    try {
      const { socket, started } = await startChat(node);
      const closed = waitForEvent(socket, 'chat:closed');
      expect(await closed).toEqual({ reason: 'timeout' });
      const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
      expect(ticket!.status).toBe('OPEN');
      socket.disconnect();
    } finally {
      await node.stop();
    }
  });
});

describeOnEachDriver('assistant figures in metrics.summary', (db) => {
  it('counts escalations with their mean confidence and the chats the bot resolved alone', async () => {
    const { agentClient, newAdminToken } = await import('./support/agent.js');
    const adminToken = newAdminToken();
    const node = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken }, { automations: STORE });
    const agent = agentClient(node.url, adminToken);
    try {
      const from = new Date().toISOString();
      // One chat the bot answers and the visitor closes; one escalated (confidence 0); one
      // answered, then handed over by keyword; one the bot answered and the visitor left to time
      // out; one the bot answered but an agent also replied to.
      const answered = await startChat(node);
      const bot = waitForEvent<Message>(answered.socket, 'message:new', (m) => m.senderType === 'bot');
      await say(answered.socket, 'qual o prazo de entrega?');
      await bot;
      await requestOk(answered.socket, 'chat:close', {});

      const lost = await startChat(node);
      await say(lost.socket, 'meu pedido chegou quebrado');
      const keyword = await startChat(node);
      await say(keyword.socket, 'quero um atendente');

      // One the bot answered and the visitor walked away from (timeout): not a resolution.
      const walked = await startChat(node);
      const walkedBot = waitForEvent<Message>(walked.socket, 'message:new', (m) => m.senderType === 'bot');
      await say(walked.socket, 'qual o prazo de entrega?');
      await walkedBot;
      await db()
        .handle.db.update(chatSessions)
        .set({ lastActivityAt: new Date(Date.now() - 60_000) })
        .where(eq(chatSessions.id, walked.started.sessionId));
      await sweepIdleChats(30_000, node.ctx);

      const helped = await startChat(node);
      const helpedBot = waitForEvent<Message>(helped.socket, 'message:new', (m) => m.senderType === 'bot');
      await say(helped.socket, 'quais as formas de pagamento?');
      await helpedBot;
      await agent.tickets.reply.mutate({ id: helped.started.ticketId, body: 'Posso ajudar em algo mais?', clientMsgId: 'agent-1' });
      await requestOk(helped.socket, 'chat:close', {});
      await node.automations.idle();

      const summary = await agent.metrics.summary.query({ from });
      const escalations = await db()
        .handle.db.select()
        .from(ticketEvents)
        .where(eq(ticketEvents.type, 'chat.escalated'));
      const ours = escalations.filter((e) => [lost.started.ticketId, keyword.started.ticketId].includes(e.ticketId));
      const meanConfidence = ours.reduce((sum, e) => sum + Number((e.data as { confidence: number }).confidence), 0) / ours.length;
      expect(summary).toMatchObject({
        chatTickets: 5,
        escalatedChats: 2,
        escalationRate: 2 / 5,
        // The one the visitor closed; the walk-away is not counted.
        botResolvedChats: 1,
        // Both ended without an agent's reply; the escalated two are still open.
        unansweredChats: 2,
      });
      expect(summary.avgEscalationConfidence).toBeCloseTo(meanConfidence, 3);
      for (const chat of [answered, lost, keyword, walked, helped]) chat.socket.disconnect();
    } finally {
      await node.stop();
    }
  });
});
