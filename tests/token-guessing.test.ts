import { afterEach, expect, it, vi } from 'vitest';
import { io } from 'socket.io-client';
import { agentsRepository } from '../server/repositories/agents.js';
import type { ChatStarted } from '../shared/chat.js';
import { describeOnEachDriver } from './support/databases.js';
import { newAdminToken } from './support/agent.js';
import { request, uniqueContact, type CustomerSocket } from './support/customer.js';
import { useTestNode } from './support/suite.js';

const FAILED_AUTH_PER_MINUTE = 20;

/** A customer socket that appears to come from `ip` (through the trusted loopback proxy). */
async function customerFrom(url: string, ip: string): Promise<CustomerSocket> {
  const socket: CustomerSocket = io(`${url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'x-forwarded-for': ip },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function tally(codes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

describeOnEachDriver('token guessing (PROTOCOL §7 Tokens)', (db) => {
  const adminToken = newAdminToken();
  const sockets: CustomerSocket[] = [];

  const node = useTestNode(db, {
      ADMIN_TOKEN: adminToken,
      RATE_FAILED_AUTH_PER_MINUTE: String(FAILED_AUTH_PER_MINUTE),
    });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    vi.restoreAllMocks();
  });

  async function openSockets(ip: string, n: number): Promise<CustomerSocket[]> {
    const opened = await Promise.all(Array.from({ length: n }, () => customerFrom(node().url, ip)));
    sockets.push(...opened);
    return opened;
  }

  async function startChats(n: number): Promise<ChatStarted[]> {
    const started: ChatStarted[] = [];
    for (let i = 0; i < n; i += 25) {
      const batch = Array.from({ length: Math.min(25, n - i) }, async () => {
        const contact = uniqueContact();
        const res = await fetch(`${node().url}/api/chat`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.200' },
          body: JSON.stringify({ name: contact.name, email: contact.email, phone: contact.phone }),
        });
        expect(res.status).toBe(201);
        return (await res.json()) as ChatStarted;
      });
      started.push(...(await Promise.all(batch)));
    }
    return started;
  }

  const getTranscript = (ip: string, token: string) =>
    fetch(`${node().url}/api/chat`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip } });
  const agentMe = (ip: string, token: string) =>
    fetch(`${node().url}/trpc/agents.me`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip } });

  it('300 parallel wrong resume tokens over sockets: at most 20 UNAUTHORIZED, the rest RATE_LIMITED', async () => {
    const [sample] = await startChats(1);
    const [sessionId] = sample!.resumeToken.split('.');
    const guessers = await openSockets('198.51.100.21', 30);
    const codes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const ack = await request(guessers[i % guessers.length]!, 'chat:resume', { resumeToken: `${sessionId}.guess${i}` });
        return ack.ok ? 'ok' : ack.error.code;
      }),
    );
    const counts = tally(codes);
    expect(counts.ok).toBeUndefined();
    expect(counts.UNAUTHORIZED ?? 0).toBeLessThanOrEqual(FAILED_AUTH_PER_MINUTE);
    expect((counts.UNAUTHORIZED ?? 0) + (counts.RATE_LIMITED ?? 0)).toBe(300);
  });

  it('300 parallel wrong resume tokens over HTTP: at most 20 answered 401, the rest 429', async () => {
    const [sample] = await startChats(1);
    const [sessionId] = sample!.resumeToken.split('.');
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => (await getTranscript('198.51.100.22', `${sessionId}.guess${i}`)).status),
    );
    const counts = tally(statuses.map(String));
    expect(counts['401'] ?? 0).toBeLessThanOrEqual(FAILED_AUTH_PER_MINUTE);
    expect((counts['401'] ?? 0) + (counts['429'] ?? 0)).toBe(300);
  });

  it('200 visitors behind one address resuming at once with right tokens are all let in, by socket and by HTTP', async () => {
    const chats = await startChats(200);
    const visitors = await openSockets('198.51.100.23', 200);
    const acks = await Promise.all(
      chats.map((chat, i) => request(visitors[i]!, 'chat:resume', { resumeToken: chat.resumeToken, lastSeq: 0 })),
    );
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);

    const statuses = await Promise.all(chats.map(async (chat) => (await getTranscript('198.51.100.24', chat.resumeToken)).status));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });

  it('wrong resume tokens from an address do not lock out an agent token from it, and wrong agent tokens do not lock out resumes', async () => {
    const [chat] = await startChats(1);
    const [sessionId] = chat!.resumeToken.split('.');
    const office = '198.51.100.25';
    for (let i = 0; i <= FAILED_AUTH_PER_MINUTE; i++) await getTranscript(office, `${sessionId}.guess${i}`);
    expect((await getTranscript(office, `${sessionId}.one-more`)).status).toBe(429);
    expect((await agentMe(office, adminToken)).status).toBe(200);

    const other = '198.51.100.26';
    for (let i = 0; i <= FAILED_AUTH_PER_MINUTE; i++) await agentMe(other, `atd_wrong${i}`);
    expect((await agentMe(other, 'atd_one_more')).status).toBe(429);
    expect((await getTranscript(other, chat!.resumeToken)).status).toBe(200);
  });

  it('a tRPC batch holds at most 20 calls, and its calls share one token look-up', async () => {
    const lookups = vi.spyOn(agentsRepository, 'findActiveByTokenHash');
    const batch = (n: number) =>
      fetch(`${node().url}/trpc/${Array(n).fill('agents.me').join(',')}?batch=1`, {
        headers: { authorization: `Bearer ${adminToken}`, 'x-forwarded-for': '198.51.100.27' },
      });

    const twenty = await batch(20);
    expect(twenty.status).toBe(200);
    const results = (await twenty.json()) as { result?: { data: { role: string } } }[];
    expect(results).toHaveLength(20);
    expect(results.every((r) => r.result?.data.role === 'admin')).toBe(true);
    expect(lookups).toHaveBeenCalledTimes(1);

    lookups.mockClear();
    expect((await batch(21)).status).toBe(400);
    const huge = await batch(1500);
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    expect(lookups).not.toHaveBeenCalled();
  });
});
