import { count } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { chatMessages, chatSessions, clients, tickets } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted } from '../shared/chat.js';
import { describeOnEachDriver } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';
import {
  newClientMsgId,
  request,
  requestOk,
  uniqueContact,
  waitForEvent,
} from './support/customer.js';

describeOnEachDriver('validation and hostile payloads on /chat', (db) => {
  const suite = useNodeWithCustomers(db);
  let node: AtendeNode;
  beforeAll(() => {
    node = suite.node();
  });
  const customer = (locale?: string) => suite.customer({ locale });

  async function rowCounts() {
    const [c] = await db().handle.db.select({ n: count() }).from(clients);
    const [t] = await db().handle.db.select({ n: count() }).from(tickets);
    const [s] = await db().handle.db.select({ n: count() }).from(chatSessions);
    const [m] = await db().handle.db.select({ n: count() }).from(chatMessages);
    return { clients: c!.n, tickets: t!.n, sessions: s!.n, messages: m!.n };
  }

  const valid = () => {
    const contact = uniqueContact();
    return { name: contact.name, email: contact.email, phone: contact.phone };
  };

  it.each([
    ['name', { name: '' }],
    ['name', { name: '   ' }],
    ['name', { name: 'x'.repeat(121) }],
    ['name', { name: undefined }],
    ['name', { name: 42 }],
    ['email', { email: 'not-an-email' }],
    ['email', { email: 'a@' }],
    ['email', { email: '' }],
    ['email', { email: undefined }],
    ['phone', { phone: '123' }],
    ['phone', { phone: 'abc' }],
    ['phone', { phone: '' }],
    ['phone', { phone: undefined }],
    ['phone', { phone: 11987654321 }],
    ['message', { message: '' }],
    ['message', { message: 'x'.repeat(4001) }],
    ['locale', { locale: 'xx' }],
  ])('chat:start refuses a bad %s (%j) naming the field, and writes nothing', async (field, override) => {
    const before = await rowCounts();
    const socket = await customer();
    const result = await request(socket, 'chat:start', { ...valid(), ...override });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION');
    expect(Object.keys(result.error.fields ?? {})).toEqual([field]);
    expect(await rowCounts()).toEqual(before);
  });

  it('accepts the edges: a 120-character name, a 4000-character first message, a phone with country code', async () => {
    const socket = await customer();
    const contact = uniqueContact();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', {
      name: 'n'.repeat(120),
      email: contact.email,
      phone: '+1 415 555 2671'.replace('2671', String(2000 + Math.floor(Math.random() * 7999))),
      message: 'm'.repeat(4000),
    });
    expect(started.ticketNumber).toBeGreaterThan(0);
  });

  it('refuses positions past what a seq can be, on the socket and over HTTP', async () => {
    const socket = await customer();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', valid());
    for (const lastSeq of [2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const result = await request(socket, 'chat:resume', { resumeToken: started.resumeToken, lastSeq });
      expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { lastSeq: expect.any(String) } } });
    }
    const res = await fetch(`${node.url}/api/chat?afterSeq=9007199254740991`, {
      headers: { authorization: `Bearer ${started.resumeToken}` },
    });
    expect(res.status).toBe(400);
  });

  it('validation messages are pt-BR by default and English on request', async () => {
    const pt = await request(await customer(), 'chat:start', { ...valid(), email: 'nope' });
    const en = await request(await customer(), 'chat:start', { ...valid(), email: 'nope', locale: 'en' });
    const enHandshake = await request(await customer('en'), 'chat:start', { ...valid(), phone: '1' });
    expect(pt).toMatchObject({ ok: false, error: { fields: { email: 'Informe um e-mail válido' } } });
    expect(en).toMatchObject({ ok: false, error: { fields: { email: 'Enter a valid e-mail address' } } });
    expect(enHandshake).toMatchObject({ ok: false, error: { fields: { phone: 'Enter a valid phone number' } } });
  });

  it('message:send refuses bad bodies and ids field by field and stores nothing', async () => {
    const socket = await customer();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', valid());
    const before = await rowCounts();
    for (const [field, payload] of [
      ['body', { body: '', clientMsgId: 'a' }],
      ['body', { body: '  \n ', clientMsgId: 'a' }],
      ['body', { body: 'x'.repeat(4001), clientMsgId: 'a' }],
      ['body', { clientMsgId: 'a' }],
      ['clientMsgId', { body: 'hi', clientMsgId: '' }],
      ['clientMsgId', { body: 'hi', clientMsgId: 'x'.repeat(65) }],
      ['clientMsgId', { body: 'hi' }],
    ] as const) {
      const result = await request(socket, 'message:send', payload);
      expect(result, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      if (!result.ok) expect(Object.keys(result.error.fields ?? {})).toEqual([field]);
    }
    expect(await rowCounts()).toEqual(before);
    const ok = await requestOk(socket, 'message:send', { body: 'x'.repeat(4000), clientMsgId: 'y'.repeat(64) });
    expect(ok.sessionId).toBe(started.sessionId);
  });

  it('malformed payloads, missing callbacks, unknown events and pollution attempts leave the node serving', async () => {
    const bystander = await customer();
    const bystanderChat = await requestOk<ChatStarted>(bystander, 'chat:start', valid());
    const attacker = await customer();
    const before = await rowCounts();

    const hostile: unknown[] = [
      undefined,
      null,
      0,
      'string',
      [],
      [1, 2, 3],
      true,
      JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
      { name: { $ne: null }, email: { $gt: '' }, phone: ['1'] },
      { name: "Robert'); DROP TABLE clients;--", email: "x' OR '1'='1@example.com", phone: '1 OR 1=1' },
      { body: { toString: 'x' }, clientMsgId: { length: 1 } },
      { resumeToken: { $ne: '' } },
      { resumeToken: 'a'.repeat(5000), lastSeq: -1 },
      { resumeToken: 'x', lastSeq: 'NaN' },
      { isTyping: 'yes' },
      { name: '\u0000\u0007\u001b[31m', email: '\u0000@x.com', phone: '\u0000' },
    ];
    const events = ['chat:start', 'chat:resume', 'message:send', 'chat:close', 'typing', 'no:such-event'];
    for (const event of events) {
      for (const payload of hostile) {
        // Without a callback: nothing to answer, nothing may break.
        (attacker.emit as (e: string, ...a: unknown[]) => void)(event, payload);
        // With one: always an error in the contract's shape (typing and unknown events have no ack).
        if (event === 'typing' || event === 'no:such-event') continue;
        const result = await request(attacker, event, payload);
        expect(result.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
        if (!result.ok) {
          expect(['VALIDATION', 'UNAUTHORIZED']).toContain(result.error.code);
          expect(typeof result.error.message).toBe('string');
        }
      }
      // No payload and no callback at all; extra arguments.
      (attacker.emit as (e: string, ...a: unknown[]) => void)(event);
      (attacker.emit as (e: string, ...a: unknown[]) => void)(event, 1, 2, 3);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(await rowCounts()).toEqual(before);

    // The attacker's own connection still works, and so does the bystander's chat.
    expect(attacker.connected).toBe(true);
    const reply = waitForEvent(bystander, 'message:new');
    const sent = await requestOk(bystander, 'message:send', { body: 'still here', clientMsgId: newClientMsgId() });
    expect(sent.sessionId).toBe(bystanderChat.sessionId);
    expect((await reply).id).toBe(sent.id);
  });

  it('an oversized frame drops only that socket', async () => {
    const bystander = await customer();
    await requestOk<ChatStarted>(bystander, 'chat:start', valid());
    const attacker = await customer();
    const dropped = new Promise<string>((resolve) => attacker.once('disconnect', (reason) => resolve(reason)));
    attacker.emit('chat:start', { ...valid(), name: 'x'.repeat(2_000_000) } as never, () => {});
    expect(await dropped).toBe('transport close');
    const sent = await requestOk(bystander, 'message:send', { body: 'fine', clientMsgId: newClientMsgId() });
    expect(sent.seq).toBe(1);
    const health = await fetch(`${node.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
