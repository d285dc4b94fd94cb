import { randomBytes, randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { ChatStarted, ClientToServerEvents, ServerToClientEvents } from '../../shared/chat.js';
import type { Ack } from '../../shared/errors.js';

export type CustomerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real Socket.IO client on the `/chat` namespace, connected before it is returned. */
export async function connectCustomer(baseUrl: string, options: { locale?: string } = {}): Promise<CustomerSocket> {
  const socket: CustomerSocket = io(`${baseUrl}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.locale ? { locale: options.locale } : {},
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Emits an event and resolves with its acknowledgement. */
export function request<T = unknown>(socket: CustomerSocket, event: string, payload?: unknown): Promise<Ack<T>> {
  return new Promise((resolve) => {
    (socket.emit as (event: string, ...args: unknown[]) => void)(event, payload, (result: Ack<T>) => resolve(result));
  });
}

/** Like `request`, but the ack must be ok; returns its data. */
export async function requestOk<T = any>(socket: CustomerSocket, event: string, payload?: unknown): Promise<T> {
  const result = await request<T>(socket, event, payload);
  if (!result.ok) throw new Error(`${event} failed: ${JSON.stringify(result.error)}`);
  return result.data;
}

/**
 * Like `requestOk`, but retries while the answer is UNAVAILABLE, as the contract asks clients to
 * (the database is away or full for a moment: e.g. its connection limit reached on a busy machine).
 */
export async function requestOkRetrying<T = any>(socket: CustomerSocket, event: string, payload?: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const result = await request<T>(socket, event, payload);
    if (result.ok) return result.data;
    if (result.error.code !== 'UNAVAILABLE' || attempt >= 20) throw new Error(`${event} failed: ${JSON.stringify(result.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
}

/** Resolves with the next `event` payload that satisfies `predicate`. */
export function waitForEvent<T = any>(
  socket: CustomerSocket,
  event: string,
  predicate: (payload: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      (socket.off as (event: string, listener: unknown) => void)(event, listener);
      resolve(payload);
    };
    (socket.on as (event: string, listener: unknown) => void)(event, listener);
  });
}

let phoneCounter = 0;

/** Contact data no other test uses: a random e-mail and a valid, unused Brazilian mobile number. */
export function uniqueContact(name = 'Maria Silva') {
  const tag = randomBytes(5).toString('hex');
  // 11 9XXXX-XXXX: random eight digits after the mobile 9 keep numbers apart across files.
  const digits = String(Number.parseInt(randomBytes(4).toString('hex'), 16) % 100_000_000).padStart(8, '0');
  phoneCounter++;
  return {
    name,
    email: `${name.split(' ')[0]!.toLowerCase()}.${tag}@example.com`,
    phone: `(11) 9${digits.slice(0, 4)}-${digits.slice(4)}`,
    e164: `+55119${digits}`,
  };
}

export function newClientMsgId(): string {
  return randomUUID();
}

/** A customer socket on `baseUrl` that has started a chat with fresh contact data. */
export async function startChatOn(baseUrl: string): Promise<{ socket: CustomerSocket; started: ChatStarted }> {
  const socket = await connectCustomer(baseUrl);
  const contact = uniqueContact();
  const started = await requestOkRetrying<ChatStarted>(socket, 'chat:start', {
    name: contact.name,
    email: contact.email,
    phone: contact.phone,
  });
  return { socket, started };
}
