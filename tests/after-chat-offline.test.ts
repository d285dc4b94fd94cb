import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutomationsError, parseAutomations } from '../server/automations/automationsConfig.js';
import { isOpen, type BusinessHours } from '../server/automations/businessHours.js';
import { agents, chatSessions, tickets } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, followEvents, newAdminToken, type AgentClient } from './support/agent.js';
import { connectCustomer, newClientMsgId, request, requestOk, uniqueContact } from './support/customer.js';
import { describeOnEachDriver, openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtpReceiver.js';

const SAO_PAULO_WEEKDAYS: BusinessHours = {
  timezone: 'America/Sao_Paulo',
  weekly: { mon: [['09:00', '12:00'], ['13:00', '18:00']], tue: [['09:00', '18:00']], sat: [['10:00', '24:00']] },
  holidays: ['2026-12-01'],
};

describe('business hours', () => {
  // 2026-11-30 is a Monday; São Paulo is UTC-3 (no daylight saving time since 2019).
  it.each([
    ['2026-11-30T11:59:00Z', false], // 08:59 Monday
    ['2026-11-30T12:00:00Z', true], // 09:00: the start is included
    ['2026-11-30T15:30:00Z', false], // 12:30: the lunch gap
    ['2026-11-30T20:59:00Z', true], // 17:59
    ['2026-11-30T21:00:00Z', false], // 18:00: the end is excluded
    ['2026-12-01T14:00:00Z', false], // Tuesday 11:00, but a holiday
    ['2026-12-02T14:00:00Z', false], // Wednesday: left out, closed
    ['2026-12-06T02:30:00Z', true], // Saturday 23:30 local (Sunday in UTC): open until 24:00
    ['2026-12-06T03:00:00Z', false], // Sunday 00:00 local
  ])('%s → open %s (in the zone of the file, not UTC)', (at, open) => {
    expect(isOpen(SAO_PAULO_WEEKDAYS, new Date(at))).toBe(open);
  });

  it('the automations file refuses unknown zones, bad times, empty intervals and bad dates, naming the field', () => {
    const bad = [
      [{ timezone: 'Mars/Olympus', weekly: {} }, 'businessHours.timezone'],
      [{ timezone: 'UTC', weekly: { mon: [['9:00', '18:00']] } }, 'businessHours.weekly.mon.0.0'],
      [{ timezone: 'UTC', weekly: { mon: [['18:00', '09:00']] } }, 'businessHours.weekly.mon.0'],
      [{ timezone: 'UTC', weekly: { funday: [] } }, 'businessHours.weekly'],
      [{ timezone: 'UTC', weekly: {}, holidays: ['25/12/2026'] }, 'businessHours.holidays.0'],
    ] as const;
    for (const [businessHours, path] of bad) {
      expect(() => parseAutomations({ businessHours }), JSON.stringify(businessHours)).toThrow(AutomationsError);
      expect(() => parseAutomations({ businessHours })).toThrow(new RegExp(path.replace(/\./g, '\\.')));
    }
    expect(parseAutomations({ businessHours: { timezone: 'UTC', weekly: {} } }).businessHours).toEqual({ timezone: 'UTC', weekly: {}, holidays: [] });
  });
});

describe('GET /api/chat/availability', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestPglite();
  });
  afterAll(() => database?.close());

  const ALWAYS = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((day) => [day, [['00:00', '24:00']]]));

  /** What a node with these automations answers, with an agent online or not. */
  async function availability(automations: Record<string, unknown>, agentOnline: boolean) {
    const adminToken = newAdminToken();
    const node = await startTestNode(database.handle, { ADMIN_TOKEN: adminToken }, { automations: parseAutomations(automations) });
    try {
      const admin = agentClient(node.url, adminToken);
      // Every agent of this shared database offline first; then, maybe, this one online.
      await database.handle.db.update(agents).set({ status: 'offline' });
      if (agentOnline) await admin.agents.setStatus.mutate({ status: 'online' });
      const res = await fetch(`${node.url}/api/chat/availability`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      return await res.json();
    } finally {
      await node.stop();
    }
  }

  it('is online with an agent online, without business hours or within them', async () => {
    expect(await availability({}, true)).toEqual({ online: true });
    expect(await availability({ businessHours: { timezone: 'America/Sao_Paulo', weekly: ALWAYS } }, true)).toEqual({ online: true });
  });

  it('is offline, reason no_agents, with nobody online — unless routing is manual', async () => {
    expect(await availability({}, false)).toEqual({ online: false, reason: 'no_agents' });
    expect(await availability({ routing: { mode: 'manual' } }, false)).toEqual({ online: true });
  });

  it('is offline, reason closed, outside the hours (every day left out) and on a holiday — closed also when nobody is online', async () => {
    expect(await availability({ businessHours: { timezone: 'America/Sao_Paulo', weekly: {} } }, true)).toEqual({ online: false, reason: 'closed' });
    expect(await availability({ businessHours: { timezone: 'America/Sao_Paulo', weekly: {} } }, false)).toEqual({ online: false, reason: 'closed' });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(new Date());
    expect(await availability({ businessHours: { timezone: 'America/Sao_Paulo', weekly: ALWAYS, holidays: [today] } }, true)).toEqual({ online: false, reason: 'closed' });
  });
});

describeOnEachDriver('the offline form', (db) => {
  const adminToken = newAdminToken();
  let node: AtendeNode;
  let smtp: SmtpReceiver;
  let agent: AgentClient;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    node = await startTestNode(
      db().handle,
      { ADMIN_TOKEN: adminToken, SMTP_URL: smtp.url, MAIL_FROM: 'Loja <atendimento@loja.example>' },
      // Closed every day: the widget would show the offline form.
      { automations: parseAutomations({ businessHours: { timezone: 'America/Sao_Paulo', weekly: {} }, mailRetry: { baseDelayMs: 30, pollMs: 50 } }) },
    );
    agent = agentClient(node.url, adminToken);
  });
  afterAll(async () => {
    await node?.stop();
    await smtp?.close();
  });

  it('out of hours, PUT /api/chat { offline: true } opens an OPEN chat ticket without a live chat and e-mails a confirmation', async () => {
    const contact = uniqueContact('Olga Offline');
    const events = followEvents(agent);
    await events.started;
    const res = await fetch(`${node.url}/api/chat`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: contact.name, email: contact.email, phone: contact.phone, message: 'Quero trocar <o> tamanho', offline: true }),
    });
    expect(res.status).toBe(201);
    const started = (await res.json()) as ChatStarted;
    expect(Object.keys(started).sort()).toEqual(['resumeToken', 'sessionId', 'ticketId', 'ticketNumber']);

    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(ticket).toMatchObject({ status: 'OPEN', source: 'chat', customerMessages: 1 });
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
    expect(session).toMatchObject({ offline: true, status: 'closed', unanswered: false, lastSeq: 1 });
    const created = await events.next((e) => e.type === 'ticket.created' && e.ticketId === started.ticketId);
    expect(created).toMatchObject({ offline: true, source: 'chat' });
    events.stop();

    const mail = await smtp.next((m) => m.to === contact.email);
    expect(mail.subject).toBe(`Recebemos sua mensagem - atendimento #${started.ticketNumber}`);
    expect(mail.text).toContain('Quero trocar <o> tamanho');
    expect(mail.html).toContain('Quero trocar &#60;o&#62; tamanho');
    const link = /\/c\/([^\s"<]+)/.exec(mail.text)?.[1];
    expect((await fetch(`${node.url}/c/${link}`)).status).toBe(200);

    // An agent answers it: a late reply, e-mailed.
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Podemos trocar sim.', clientMsgId: newClientMsgId() });
    const answer = await smtp.next((m) => m.to === contact.email && m.subject.startsWith('Nova resposta'));
    expect(answer.text).toContain('Podemos trocar sim.');
  });

  it('chat:start { offline: true } does the same over the socket, in English with locale en; the message is required', async () => {
    const socket = await connectCustomer(node.url);
    try {
      const contact = uniqueContact('Owen Offline');
      const missing = await request(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, offline: true });
      expect(missing).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { message: expect.any(String) } } });
      const started = await requestOk<ChatStarted>(socket, 'chat:start', {
        name: contact.name,
        email: contact.email,
        phone: contact.phone,
        message: 'Can I change the size?',
        locale: 'en',
        offline: true,
      });
      const mail = await smtp.next((m) => m.to === contact.email);
      expect(mail.subject).toBe(`We received your message - request #${started.ticketNumber}`);
      // Nothing live: the session is closed, sends are refused.
      expect(await request(socket, 'message:send', { body: 'more', clientMsgId: 'm' })).toMatchObject({ ok: false, error: { code: 'CLOSED' } });
    } finally {
      socket.disconnect();
    }
  });
});
