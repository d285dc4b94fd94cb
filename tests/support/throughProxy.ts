import { io } from 'socket.io-client';
import { expect } from 'vitest';
import type { Message } from '../../shared/chat.js';
import { connectCustomer, requestOk, requestOkRetrying, startChatOn, uniqueContact, waitForEvent, type CustomerSocket } from './customer.js';
import { requestFrom } from './fromAddress.js';

/**
 * The checks every load balancer configuration in deploy/ must pass, given the proxy's URL and
 * nodes that run with RATE_FAILED_AUTH_PER_MINUTE=5 and TRUST_PROXY naming the proxy only.
 */

/** Two WebSockets of one session (wherever the proxy put them) both get every message. */
export async function expectChatOverWebSocket(proxyUrl: string, clientMsgId: string): Promise<void> {
  const { socket, started } = await startChatOn(proxyUrl);
  expect(socket.io.engine.transport.name).toBe('websocket');
  const second = await connectCustomer(proxyUrl);
  await requestOk(second, 'chat:resume', { resumeToken: started.resumeToken });

  const arrived = waitForEvent<Message>(second, 'message:new', (m) => m.clientMsgId === clientMsgId);
  const sent = await requestOk<Message>(socket, 'message:send', { body: 'pelo proxy', clientMsgId });
  expect(await arrived).toEqual(sent);
  socket.disconnect();
  second.disconnect();
}

/**
 * A client on long-polling only, keeping no cookie (like a widget on another site), chats: every
 * request of its session must reach the node that holds it, else "Session ID unknown".
 */
export async function expectChatOverLongPolling(proxyUrl: string): Promise<void> {
  const socket: CustomerSocket = io(`${proxyUrl}/chat`, { transports: ['polling'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const errors: unknown[] = [];
  socket.on('connect_error', (error) => errors.push(error));
  socket.on('disconnect', (reason) => errors.push(reason));
  const contact = uniqueContact();
  const started = await requestOkRetrying(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
  for (let n = 1; n <= 10; n++) {
    const echoed = waitForEvent<Message>(socket, 'message:new', (m) => m.clientMsgId === `poll-${n}`);
    const sent = await requestOk<Message>(socket, 'message:send', { body: `por polling ${n}`, clientMsgId: `poll-${n}` });
    expect(sent).toMatchObject({ seq: n, sessionId: started.sessionId });
    expect(await echoed).toEqual(sent);
  }
  expect(socket.io.engine.transport.name).toBe('polling');
  expect(errors).toEqual([]);
  socket.disconnect();
}

/**
 * The clusters' RATE_FAILED_AUTH_PER_MINUTE: low enough to spend in a test, high enough that
 * fifty visitors behind one address resuming at once on three nodes (a rolling restart) never
 * run out while their right tokens are checked (each holds a point until its check ends, and a
 * node sees only its own points on loan).
 */
export const FAILED_AUTH_PER_MINUTE = 60;

/**
 * Per-IP limits count the client address the proxy forwards — not the proxy's own, not one the
 * client claims. Clients come from distinct loopback addresses (`addresses`, three, unused before).
 */
export async function expectLimitsPerRealAddress(
  proxyUrl: string,
  addresses: [string, string, string],
  failedAuthPerMinute = FAILED_AUTH_PER_MINUTE,
): Promise<void> {
  const [first, second, third] = addresses;
  const wrongToken = async (from: string, headers: Record<string, string> = {}) =>
    (await requestFrom(from, `${proxyUrl}/api/chat`, { headers: { authorization: 'Bearer wrong-token', ...headers } })).status;

  // RATE_FAILED_AUTH_PER_MINUTE per client address, counted in Redis by all three nodes.
  for (let attempt = 1; attempt <= failedAuthPerMinute; attempt++) expect(await wrongToken(first)).toBe(401);
  expect(await wrongToken(first)).toBe(429);
  // A client that claims to be someone else is still counted as itself…
  expect(await wrongToken(first, { 'x-forwarded-for': '198.51.100.7' })).toBe(429);
  // …and cannot spend another client's allowance by naming it.
  expect(await wrongToken(second, { 'x-forwarded-for': first })).toBe(401);
  // Another client behind the same proxy is not limited by the first one.
  expect(await wrongToken(third)).toBe(401);
}
