import { like } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { mailOutbox } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted } from '../shared/chat.js';
import type { EventOf } from '../shared/events.js';
import { agentClient, followEvents, newAdminToken, type AgentClient } from './support/agent.js';
import { connectCustomer, newClientMsgId, request, requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';
import { describeOnEachDriver, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtpReceiver.js';

/** A node with e-mail through a real local SMTP server, an agent, and customer sockets closed after each test. */
function useMailNode(db: () => TestDatabase, automations: Record<string, unknown> = {}) {
  const adminToken = newAdminToken();
  const state = {} as { node: AtendeNode; smtp: SmtpReceiver; agent: AgentClient };
  const sockets: CustomerSocket[] = [];
  beforeAll(async () => {
    state.smtp = await startSmtpReceiver();
    state.node = await startTestNode(
      db().handle,
      { ADMIN_TOKEN: adminToken, SMTP_URL: state.smtp.url, MAIL_FROM: 'Loja <atendimento@loja.example>' },
      { automations: parseAutomations({ mailRetry: { baseDelayMs: 30, pollMs: 50 }, ...automations }) },
    );
    state.agent = agentClient(state.node.url, adminToken);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(async () => {
    await state.node?.stop();
    await state.smtp?.close();
  });
  async function startChat(name = 'Maria Avalia'): Promise<{ socket: CustomerSocket; started: ChatStarted; contact: ReturnType<typeof uniqueContact> }> {
    const socket = await connectCustomer(state.node.url);
    sockets.push(socket);
    const contact = uniqueContact(name);
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    return { socket, started, contact };
  }
  return { state, startChat };
}

describeOnEachDriver('satisfaction rating (chat:rate)', (db) => {
  const { state, startChat } = useMailNode(db);

  it('a rating after the chat is stored once, announced as ticket.rated, and a second one is CONFLICT', async () => {
    const { socket, started } = await startChat();
    const events = followEvents(state.agent, { ticketId: started.ticketId });
    await events.started;
    await requestOk(socket, 'message:send', { body: 'Oi', clientMsgId: newClientMsgId() });
    await requestOk(socket, 'chat:close', {});
    expect(await requestOk(socket, 'chat:rate', { score: 4, comment: '  Gostei <b>muito</b>  ' })).toEqual({ rated: true });
    const rated = (await events.next((e) => e.type === 'ticket.rated')) as EventOf<'ticket.rated'>;
    expect(rated).toMatchObject({ ticketId: started.ticketId, ticketNumber: started.ticketNumber, sessionId: started.sessionId, score: 4, comment: 'Gostei <b>muito</b>' });
    events.stop();

    const again = await request(socket, 'chat:rate', { score: 1 });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const ticket = await state.agent.tickets.get.query({ id: started.ticketId });
    expect(ticket.events.filter((e) => e.type === 'ticket.rated')).toHaveLength(1);
  });

  it('refuses scores outside 1–5, fractions and control characters, as VALIDATION naming the field', async () => {
    const { socket } = await startChat();
    for (const [payload, field] of [
      [{ score: 0 }, 'score'],
      [{ score: 6 }, 'score'],
      [{ score: 4.5 }, 'score'],
      [{}, 'score'],
      [{ score: 5, comment: 'a\u0000b' }, 'comment'],
      [{ score: 5, comment: 'x'.repeat(1001) }, 'comment'],
    ] as const) {
      const answer = await request(socket, 'chat:rate', payload);
      expect(answer, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { [field]: expect.any(String) } } });
    }
    // Skipping is simply not rating: the session can still be rated.
    expect(await requestOk(socket, 'chat:rate', { score: 5 })).toEqual({ rated: true });
  });

  it('PATCH /api/chat { action: "rate" } does the same over HTTP, 409 the second time', async () => {
    const { started } = await startChat();
    const patch = (body: unknown) =>
      fetch(`${state.node.url}/api/chat`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${started.resumeToken}` },
        body: JSON.stringify(body),
      });
    const first = await patch({ action: 'rate', score: 3 });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ rated: true });
    const second = await patch({ action: 'rate', score: 3 });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: 'CONFLICT' } });
  });

});

describeOnEachDriver('CSAT in the metrics', (db) => {
  const { state, startChat } = useMailNode(db);

  it('metrics.summary counts CSAT: mean score, responses and response rate', async () => {
    const from = new Date().toISOString();
    const ratings = [5, 3];
    for (const score of ratings) {
      const { socket } = await startChat();
      await requestOk(socket, 'chat:close', {});
      await requestOk(socket, 'chat:rate', { score });
    }
    const { socket: unrated } = await startChat();
    await requestOk(unrated, 'chat:close', {});
    const summary = await state.agent.metrics.summary.query({ from, to: new Date(Date.now() + 60_000).toISOString() });
    expect(summary.csat).toEqual({ avg: 4, responses: 2, responseRate: 2 / 3 });
    // The reports' buckets (PROTOCOL §12) say the same: this database holds only these chats.
    const day = new Date().toISOString().slice(0, 10);
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    const { buckets } = await state.agent.metrics.timeseries.query({ from: `${day}T00:00:00Z`, to: `${next}T00:00:00Z`, bucket: 'day', timeZone: 'UTC' });
    expect(buckets.map((b) => b.csatAvg)).toEqual([4]);
  });
});

describeOnEachDriver('transcripts (chat:transcript, transcriptOnClose)', (db) => {
  const { state, startChat } = useMailNode(db);

  it('e-mails the whole conversation to the session e-mail, escaped, without notes; asked again with nothing new, sends nothing more', async () => {
    const { socket, started, contact } = await startChat('Tania <Transcrição>');
    await requestOk(socket, 'message:send', { body: 'Meu pedido <img src=x> não chegou', clientMsgId: newClientMsgId() });
    await state.agent.tickets.reply.mutate({ id: started.ticketId, body: 'Vou verificar & já volto', clientMsgId: newClientMsgId() });
    await state.agent.tickets.note.mutate({ id: started.ticketId, body: 'NOTA-SECRETA-interna' });
    expect(await requestOk(socket, 'chat:transcript', {})).toEqual({ queued: true });

    const mail = await state.smtp.next((m) => m.to === contact.email);
    expect(mail.subject).toBe(`Transcrição do seu atendimento #${started.ticketNumber}`);
    expect(mail.text).toContain('Meu pedido <img src=x> não chegou');
    expect(mail.text).toContain('Vou verificar & já volto');
    expect(mail.html).not.toContain('<img src=x>');
    expect(mail.html).toContain('Meu pedido &#60;img src=x&#62; não chegou');
    expect(mail.html).not.toContain('<Transcrição>');
    for (const body of [mail.text, mail.html]) expect(body).not.toContain('NOTA-SECRETA');

    expect(await requestOk(socket, 'chat:transcript')).toEqual({ queued: true });
    const rows = await db().handle.db.select().from(mailOutbox).where(like(mailOutbox.dedupeKey, `transcript:${started.sessionId}:%`));
    expect(rows).toHaveLength(1);
  });

  it('PATCH /api/chat { action: "transcript" } queues it over HTTP (202)', async () => {
    const { socket, started, contact } = await startChat();
    await requestOk(socket, 'message:send', { body: 'Pelo HTTP', clientMsgId: newClientMsgId() });
    const res = await fetch(`${state.node.url}/api/chat`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${started.resumeToken}` },
      body: JSON.stringify({ action: 'transcript' }),
    });
    expect(res.status).toBe(202);
    expect((await state.smtp.next((m) => m.to === contact.email)).text).toContain('Pelo HTTP');
  });
});

describeOnEachDriver('transcriptOnClose', (db) => {
  const { state, startChat } = useMailNode(db, { transcriptOnClose: true });

  it('a chat that ends is e-mailed to its customer, in the locale of the chat', async () => {
    const { socket, contact } = await startChat();
    await requestOk(socket, 'message:send', { body: 'Até logo', clientMsgId: newClientMsgId() });
    await requestOk(socket, 'chat:close', {});
    const mail = await state.smtp.next((m) => m.to === contact.email);
    expect(mail.subject).toMatch(/^Transcrição do seu atendimento #\d+$/);
    expect(mail.text).toContain('Até logo');
  });
});

describe('transcripts without SMTP_URL', () => {
  it('chat:transcript says e-mail is not set up (UNAVAILABLE), and nothing is stored', async () => {
    const { openTestPglite } = await import('./support/databases.js');
    const database = await openTestPglite();
    const node = await startTestNode(database.handle);
    try {
      const socket = await connectCustomer(node.url);
      const contact = uniqueContact();
      await requestOk(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, message: 'oi' });
      const answer = await request(socket, 'chat:transcript', {});
      expect(answer).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/SMTP_URL/) } });
      socket.disconnect();
      expect(await database.handle.db.select().from(mailOutbox)).toHaveLength(0);
    } finally {
      await node.stop();
      await database.close();
    }
  });
});
