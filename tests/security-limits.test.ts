import { afterAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import type { ChatStarted } from '../shared/chat.js';
import { usePglite, useTestNode } from './support/suite.js';
import { agentClient, newAdminToken } from './support/agent.js';
import { newClientMsgId, request, requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';

/** A customer socket that appears to come from `ip` (through the trusted loopback proxy). */
async function customerFrom(url: string, ip: string, origin?: string): Promise<CustomerSocket> {
  const socket: CustomerSocket = io(`${url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'x-forwarded-for': ip, ...(origin ? { origin } : {}) },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function startPayload() {
  const contact = uniqueContact();
  return { name: contact.name, email: contact.email, phone: contact.phone };
}

describe('rate limits and connection caps', () => {
  const adminToken = newAdminToken();
  const sockets: CustomerSocket[] = [];
  const database = usePglite();
  const node = useTestNode(database, {
    ADMIN_TOKEN: adminToken,
    RATE_CHAT_STARTS_PER_MINUTE: '3',
    RATE_MESSAGES_PER_MINUTE: '5',
    RATE_HTTP_REQUESTS_PER_MINUTE: '40',
    RATE_FAILED_AUTH_PER_MINUTE: '3',
    MAX_CONNECTIONS: '40',
    MAX_CONNECTIONS_PER_IP: '6',
  });
  afterAll(() => {
    for (const socket of sockets) socket.disconnect();
  });

  async function customer(ip: string) {
    const socket = await customerFrom(node().url, ip);
    sockets.push(socket);
    return socket;
  }

  it('chat starts per IP: the flooder gets RATE_LIMITED with a retry time, a bystander elsewhere starts fine', async () => {
    const flooder = await customer('198.51.100.1');
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await request<ChatStarted>(flooder, 'chat:start', startPayload()));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const refused = results.find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    if (refused && !refused.ok) expect(refused.error.retryAfterMs).toBeGreaterThan(0);

    const bystander = await customer('198.51.100.2');
    expect(await request(bystander, 'chat:start', startPayload())).toMatchObject({ ok: true });
    expect(flooder.connected).toBe(true);
  });

  it('messages per session: a flooding session is slowed, another session keeps talking', async () => {
    const flooder = await customer('198.51.100.3');
    await requestOk(flooder, 'chat:start', startPayload());
    const sends = await Promise.all(
      Array.from({ length: 12 }, () => request(flooder, 'message:send', { body: 'spam', clientMsgId: newClientMsgId() })),
    );
    expect(sends.filter((r) => r.ok)).toHaveLength(5);
    expect(sends.filter((r) => !r.ok && r.error.code === 'RATE_LIMITED')).toHaveLength(7);

    const bystander = await customer('198.51.100.4');
    await requestOk(bystander, 'chat:start', startPayload());
    expect(await request(bystander, 'message:send', { body: 'olá', clientMsgId: newClientMsgId() })).toMatchObject({ ok: true });
  });

  it('HTTP calls per IP: 429 with Retry-After, other addresses unaffected', async () => {
    const call = (ip: string) =>
      fetch(`${node().url}/api/chat`, { headers: { 'x-forwarded-for': ip, authorization: 'Bearer nope' } });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const res = await call('198.51.100.5');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited!.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect((await call('198.51.100.6')).status).toBe(401);
  });

  it('resume-token guessing is limited per IP, even a right token is refused past the limit', async () => {
    const owner = await customer('198.51.100.7');
    const started = await requestOk<ChatStarted>(owner, 'chat:start', startPayload());
    const guesser = await customer('198.51.100.8');
    const [sessionId] = started.resumeToken.split('.');
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const result = await request(guesser, 'chat:resume', { resumeToken: `${sessionId}.guess${i}` });
      codes.push(result.ok ? 'ok' : result.error.code);
    }
    expect(codes).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await request(guesser, 'chat:resume', { resumeToken: started.resumeToken })).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED' },
    });
    // The visitor themself, from their own address, is not locked out.
    const back = await customer('198.51.100.7');
    expect(await request(back, 'chat:resume', { resumeToken: started.resumeToken })).toMatchObject({ ok: true });
  });

  it('agent-token guessing is limited per IP', async () => {
    const guess = (token: string) =>
      fetch(`${node().url}/trpc/agents.me`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.11' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await guess(`atd_wrong${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await guess(adminToken)).status).toBe(429);
    // Another address with the right token still works.
    expect((await agentClient(node().url, adminToken).agents.me.query()).role).toBe('admin');
  });

  it('connections per IP and per node are capped; refused sockets never reach the namespace, existing ones keep working', async () => {
    const ip = '198.51.100.9';
    const held = [];
    for (let i = 0; i < 6; i++) held.push(await customer(ip));
    await expect(customerFrom(node().url, ip)).rejects.toThrow();
    const other = await customer('198.51.100.10');
    await requestOk(other, 'chat:start', startPayload());

    // Fill the node up to its cap of 40 from many addresses; the next is refused.
    let n = 20;
    while (node().io.engine.clientsCount < 40) sockets.push(await customerFrom(node().url, `203.0.113.${n++}`).catch(() => null as never));
    await expect(customerFrom(node().url, '203.0.113.250')).rejects.toThrow();
    expect(await request(other, 'message:send', { body: 'still served', clientMsgId: newClientMsgId() })).toMatchObject({ ok: true });
    expect((await fetch(`${node().url}/healthz`)).status).toBe(200);
    for (const socket of held) socket.disconnect();
  });
});

describe('origins', () => {
  const database = usePglite();
  const node = useTestNode(database, { CORS_ORIGINS: 'https://loja.example' });

  it('refuses a foreign-origin socket (cross-site WebSocket hijacking) and accepts the configured one and non-browsers', async () => {
    await expect(customerFrom(node().url, '192.0.2.1', 'https://evil.example')).rejects.toThrow();
    await expect(customerFrom(node().url, '192.0.2.1', 'http://localhost:3000')).rejects.toThrow();
    const allowed = await customerFrom(node().url, '192.0.2.1', 'https://loja.example');
    expect(allowed.connected).toBe(true);
    allowed.disconnect();
    const noOrigin = await customerFrom(node().url, '192.0.2.1');
    expect(noOrigin.connected).toBe(true);
    noOrigin.disconnect();

    const foreign = await fetch(`${node().url}/api/chat`, { method: 'PUT', headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
  });
});
