import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { createHealthRoutes } from '../server/http/healthRoutes.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import { agentClient, expectTrpcError, newAdminToken } from './support/agent.js';
import { connectCustomer, request, requestOk, uniqueContact, waitForEvent, type CustomerSocket } from './support/customer.js';
import { describeOnEachDriver, openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';

const ASSISTANT = parseAutomations({
  assistant: { faq: [{ question: 'Qual o prazo de entrega?', answer: 'Até 5 dias úteis.' }], minConfidence: 0.5, handoffKeywords: [] },
});

describeOnEachDriver('text and message ids (PROTOCOL §7 Text)', (db) => {
  let node: AtendeNode;
  const adminToken = newAdminToken();
  beforeAll(async () => {
    node = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken }, { automations: ASSISTANT });
  });
  afterAll(() => node?.stop());

  it('a visitor who sends clientMsgId escalation:<ticketId> first does not suppress the hand-off message', async () => {
    const socket = await connectCustomer(node.url);
    const contact = uniqueContact();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    const handoff = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'system');
    await requestOk(socket, 'message:send', { body: 'meu pedido chegou quebrado', clientMsgId: `escalation:${started.ticketId}` });
    expect((await handoff).body).toMatch(/pessoa da nossa equipe/);
    // The server's own id space is not the visitor's to write in.
    const reserved = await request(socket, 'message:send', { body: 'oi', clientMsgId: `server:escalation:${started.ticketId}` });
    expect(reserved).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { clientMsgId: expect.any(String) } } });
    socket.disconnect();
  });

  it('NUL and other control characters are VALIDATION in names, bodies, subjects and notes; tab and newline pass', async () => {
    const socket = await connectCustomer(node.url);
    const contact = uniqueContact();
    const badName = await request(socket, 'chat:start', { name: 'Ana\u0000', email: contact.email, phone: contact.phone });
    expect(badName).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { name: expect.any(String) } } });
    await requestOk(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    for (const body of ['a\u0000b', 'bell\u0007', 'esc\u001b[2J', 'cr\rhere', 'del\u007f', 'c1\u0085']) {
      const sent = await request(socket, 'message:send', { body, clientMsgId: `ctl-${body.length}-${body.charCodeAt(2)}` });
      expect(sent, JSON.stringify(body)).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { body: expect.any(String) } } });
    }
    const fine = await requestOk<Message>(socket, 'message:send', { body: 'linha 1\n\tlinha 2', clientMsgId: 'ctl-ok' });
    expect(fine.body).toBe('linha 1\n\tlinha 2');
    expect(await request(socket, 'chat:close', { reason: 'tchau\u0000' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });

    const agent = agentClient(node.url, adminToken);
    await expectTrpcError(
      agent.tickets.create.mutate({ subject: 'Pedido\u0000', source: 'email', client: { email: uniqueContact().email } }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      agent.tickets.create.mutate({ subject: 'Pedido', description: 'x\u0000', source: 'email', client: { email: uniqueContact().email } }),
      'BAD_REQUEST',
    );
    socket.disconnect();
  });
});

describe('surfaces (PROTOCOL §7 Surfaces)', () => {
  let database: TestDatabase;
  let node: AtendeNode;
  beforeAll(async () => {
    database = await openTestPglite();
    node = await startTestNode(database.handle, {
      CORS_ORIGINS: 'https://loja.example',
      PUBLIC_URL: 'https://chat.atende.example',
      RATE_FAILED_AUTH_PER_MINUTE: '3',
    });
  });
  afterAll(async () => {
    await node?.stop();
    await database?.close();
  });

  async function socketWith(headers: Record<string, string>): Promise<CustomerSocket> {
    const socket: CustomerSocket = io(`${node.url}/chat`, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  }

  it('/readyz names the failing component but never echoes the driver’s error text', async () => {
    const app = express().use(
      createHealthRoutes([
        { name: 'database', check: () => Promise.reject(new Error('password authentication failed for user "atende" at 10.1.2.3:5432')) },
        { name: 'redis', check: () => Promise.resolve() },
      ]),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ failed: ['database'], checks: { redis: 'ok' } });
      expect(text).not.toMatch(/password|10\.1\.2\.3|atende/);
    } finally {
      server.close();
    }
  });

  it('with CORS_ORIGINS set, the node’s own origin (PUBLIC_URL’s and its Host’s) is allowed; foreign ones are not', async () => {
    const host = new URL(node.url).host;
    for (const origin of ['https://chat.atende.example', `http://${host}`, 'https://loja.example']) {
      const socket = await socketWith({ origin });
      expect(socket.connected, origin).toBe(true);
      socket.disconnect();
      const res = await fetch(`${node.url}/api/chat`, { headers: { origin } });
      expect(res.status, origin).toBe(401);
    }
    await expect(socketWith({ origin: 'https://evil.example' })).rejects.toThrow();
    expect((await fetch(`${node.url}/api/chat`, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });

  it('per-IP limits key IPv6 addresses by their /64, and an IPv4-mapped address as its IPv4', async () => {
    const guess = (ip: string) =>
      fetch(`${node.url}/api/chat`, { headers: { authorization: 'Bearer 00000000-0000-0000-0000-000000000000.x', 'x-forwarded-for': ip } });
    // Three addresses of one /64 spend its three points; a fourth of the same /64 is refused.
    for (const ip of ['2001:db8:7:1::1', '2001:db8:7:1::2', '2001:db8:7:1:ffff::3']) expect((await guess(ip)).status).toBe(401);
    expect((await guess('2001:db8:7:1:abcd::9')).status).toBe(429);
    expect((await guess('2001:db8:7:2::1')).status).toBe(401);

    for (let i = 0; i < 3; i++) await guess('198.51.100.77');
    expect((await guess('::ffff:198.51.100.77')).status).toBe(429);
  });
});
