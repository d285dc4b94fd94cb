import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AtendeNode } from '../server/main.js';
import { streamAgentEvents } from '../server/services/events/agentEventStream.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import type { DomainEvent } from '../shared/tickets.js';
import { usePglite, useTestNode } from './support/suite.js';
import { connectCustomer, newClientMsgId, requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';

/** Connection-level holes of PROTOCOL §7, attacked with raw Engine.IO frames where a polite client can't. */

/** A raw Engine.IO v4 WebSocket speaking Socket.IO packets by hand; answers pings until paused. */
class RawSocketIo {
  readonly frames: string[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('message', (data) => {
      const frame = data.toString();
      if (frame === '2') ws.send('3');
      this.frames.push(frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(baseUrl: string): Promise<RawSocketIo> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const raw = new RawSocketIo(ws);
    await raw.until((frames) => frames.some((f) => f.startsWith('0{')));
    return raw;
  }

  /** Resolves once the frames received so far satisfy `done`. */
  async until(done: (frames: string[]) => boolean): Promise<void> {
    while (!done(this.frames)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  get closed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  /** Closes, and resolves once the node has seen this connection go (it no longer counts toward the caps). */
  async closeAndWait(node: AtendeNode): Promise<void> {
    const sid = (JSON.parse(this.frames[0]!.slice(1)) as { sid: string }).sid;
    const conn = (node.io.engine as unknown as { clients: Record<string, { once(e: 'close', f: () => void): void }> }).clients[sid];
    const gone = conn ? new Promise<void>((resolve) => conn.once('close', resolve)) : Promise.resolve();
    this.ws.terminate();
    await gone;
  }

  count(prefix: string): number {
    return this.frames.filter((f) => f.startsWith(prefix)).length;
  }

  /** The sid of the /chat socket the server opened for this connection. */
  chatSid(): string {
    const frame = this.frames.find((f) => f.startsWith('40/chat,{'));
    if (!frame) throw new Error('no /chat socket');
    return (JSON.parse(frame.slice('40/chat,'.length)) as { sid: string }).sid;
  }

  close(): void {
    this.ws.terminate();
  }
}

async function httpChat(url: string, method: string, token?: string, body?: unknown, query = '') {
  const response = await fetch(`${url}/api/chat${query}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

function startPayload() {
  const contact = uniqueContact();
  return { name: contact.name, email: contact.email, phone: contact.phone };
}

describe('one chat socket per connection, counted by the caps', () => {
  const raws: RawSocketIo[] = [];
  const sockets: CustomerSocket[] = [];
  const database = usePglite();
  const node = useTestNode(database, { MAX_CONNECTIONS: '4', MAX_CONNECTIONS_PER_IP: '4' });
  afterAll(() => {
    for (const raw of raws) raw.close();
    for (const socket of sockets) socket.disconnect();
  });

  it('400 CONNECT frames for /chat in one burst on one connection open one socket; the others are refused', async () => {
    let opened = 0;
    const countOpened = () => opened++;
    node().io.of('/chat').on('connection', countOpened);
    const raw = await RawSocketIo.open(node().url);
    for (let i = 0; i < 400; i++) raw.ws.send('40/chat,');
    // Refused one by one (FORBIDDEN) while the first is being admitted; a CONNECT arriving after
    // it is open makes Socket.IO itself close the connection. Either way: one socket.
    await raw.until(() => raw.closed || raw.count('40/chat,') + raw.count('44/chat,') === 400);
    node().io.of('/chat').off('connection', countOpened);
    expect(raw.count('40/chat,{')).toBe(1);
    expect(raw.count('44/chat,')).toBeGreaterThan(0);
    expect(raw.frames.filter((f) => f.startsWith('44/chat,')).every((f) => f.includes('"code":"FORBIDDEN"'))).toBe(true);
    expect(opened).toBe(1);
    await raw.closeAndWait(node());
  });

  it('a connection with a /chat socket cannot open the root namespace too; its one socket has one allowance', async () => {
    const raw = await RawSocketIo.open(node().url);
    raw.ws.send('40/chat,');
    await raw.until(() => raw.count('40/chat,{') === 1);
    raw.ws.send('40');
    await raw.until(() => raw.count('44{') === 1);
    expect(raw.count('40{')).toBe(0);
    raw.ws.send(`42/chat,1["chat:start",${JSON.stringify(startPayload())}]`);
    await raw.until(() => raw.count('43/chat,1') === 1);
    expect(raw.frames.find((f) => f.startsWith('43/chat,1'))).toContain('"ok":true');
    await raw.closeAndWait(node());
  });

  it('with MAX_CONNECTIONS=4, two admitted connections flooding CONNECT frames hold 2 sockets; visitors fill the rest and are refused past 4', async () => {
    const floods = await Promise.all([RawSocketIo.open(node().url), RawSocketIo.open(node().url)]);
    raws.push(...floods);
    let opened = 0;
    node().io.of('/chat').on('connection', () => opened++);
    for (const raw of floods) for (let i = 0; i < 400; i++) raw.ws.send('40/chat,');
    for (const raw of floods) {
      await raw.until(() => raw.closed || raw.count('40/chat,') + raw.count('44/chat,') === 400);
      expect(raw.count('40/chat,{')).toBe(1);
    }
    expect(opened).toBe(2);
    expect(node().io.of('/chat').sockets.size).toBeLessThanOrEqual(2);

    // Visitors fill what is left (the flooders may have been closed for their late CONNECTs);
    // the /chat sockets never outnumber MAX_CONNECTIONS.
    let most = 0;
    const track = () => (most = Math.max(most, node().io.of('/chat').sockets.size));
    node().io.of('/chat').on('connection', track);
    let refused = false;
    for (let i = 0; i < 6 && !refused; i++) {
      await connectCustomer(node().url).then(
        (visitor) => sockets.push(visitor),
        () => (refused = true),
      );
    }
    node().io.of('/chat').off('connection', track);
    expect(refused).toBe(true);
    expect(most).toBeLessThanOrEqual(4);
  });
});

describe('output cap, typing', () => {
  const sockets: CustomerSocket[] = [];
  const database = usePglite();
  const node = useTestNode(database);
  afterAll(() => {
    for (const socket of sockets) socket.disconnect();
  });

  async function customer() {
    const socket = await connectCustomer(node().url);
    sockets.push(socket);
    return socket;
  }

  it('a client that stops reading while it resumes a big transcript is dropped past 1 MiB unsent, and its output released', async () => {
    // Written over HTTP: a socket in the session would be sent every one of them, 1.6 MB at once.
    const started = (await httpChat(node().url, 'PUT', undefined, startPayload())).body as ChatStarted;
    const big = 'x'.repeat(4000);
    const sent = await Promise.all(
      Array.from({ length: 200 }, () => httpChat(node().url, 'POST', started.resumeToken, { body: big, clientMsgId: newClientMsgId() })),
    );
    expect(sent.every((r) => r.status === 201)).toBe(true);
    const raw = await RawSocketIo.open(node().url);
    raw.ws.send('40/chat,');
    await raw.until(() => raw.count('40/chat,{') === 1);

    const serverSocket = node().io.of('/chat').sockets.get(raw.chatSid())!;
    const gone = new Promise<string>((resolve) => serverSocket.once('disconnect', resolve));
    const rssBefore = process.memoryUsage().rss;

    // The attacker stops reading and keeps asking: 60 pages of ~0.5 MB each (30 MB).
    (raw.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 60; i++) {
      raw.ws.send(`42/chat,${i}["chat:resume",${JSON.stringify({ resumeToken: started.resumeToken })}]`);
    }
    const reason = await gone;
    expect(['transport close', 'forced close']).toContain(reason);
    const conn = serverSocket.conn as unknown as { writeBuffer: unknown[]; readyState: string };
    expect(conn.readyState).toBe('closed');
    await new Promise((resolve) => setImmediate(resolve)); // engine.io empties its queue on the next tick
    expect(conn.writeBuffer).toHaveLength(0);
    // Generous: the node did not keep the 30 MB it was asked to send.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    raw.close();

    // The session itself is undisturbed.
    const again = await httpChat(node().url, 'GET', started.resumeToken, undefined, '?afterSeq=199');
    expect(again.body.messages).toHaveLength(1);
  });

  it('20,000 typing events in a burst reach the bus as a handful, ending on the latest state', async () => {
    const socket = await customer();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', startPayload());
    const typing: boolean[] = [];
    let onTyping: (() => void) | undefined;
    const unsubscribe = node().ctx.bus.subscribe((event) => {
      if (event.type !== 'chat.typing' || event.sessionId !== started.sessionId) return;
      typing.push(event.isTyping as boolean);
      onTyping?.();
    });
    const began = Date.now();
    for (let i = 0; i < 20_000; i++) socket.emit('typing', { isTyping: i % 2 === 0 });
    // Events of one socket are handled in order: when this is acknowledged the burst was handled.
    await requestOk(socket, 'message:send', { body: 'depois', clientMsgId: newClientMsgId() });
    const elapsed = Date.now() - began;
    // The last one sent was isTyping: false; it is forwarded, at the latest when the interval ends.
    while (typing.at(-1) !== false) await new Promise<void>((resolve) => (onTyping = resolve));
    unsubscribe();
    expect(typing.length).toBeLessThanOrEqual(Math.ceil(elapsed / 500) + 2);
    expect(typing[0]).toBe(true);
  });

  it("an agent's slow stream drops typing before any message.created", async () => {
    const controller = new AbortController();
    const stream = streamAgentEvents(node().ctx, { signal: controller.signal, maxQueued: 100 });
    const socket = await customer();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', startPayload());
    const sent: Message[] = [];
    for (let i = 0; i < 60; i++) sent.push(await requestOk<Message>(socket, 'message:send', { body: `m${i}`, clientMsgId: newClientMsgId() }));
    // The flood lands on the bus as an agent's typing would (tickets.typing is not throttled per socket).
    for (let i = 0; i < 5000; i++) {
      node().ctx.bus.publish({
        type: 'chat.typing',
        ticketId: started.ticketId,
        ticketNumber: started.ticketNumber,
        at: new Date().toISOString(),
        sessionId: started.sessionId,
        from: 'client',
        isTyping: i % 2 === 0,
      });
    }
    const last = await requestOk<Message>(socket, 'message:send', { body: 'fim', clientMsgId: newClientMsgId() });

    const received: DomainEvent[] = [];
    for await (const item of stream) {
      if (item.kind !== 'event') continue;
      const event = item.event;
      received.push(event);
      if (event.type === 'message.created' && (event.message as Message).id === last.id) break;
    }
    controller.abort();
    const delivered = new Set(received.flatMap((e) => (e.type === 'message.created' ? [(e.message as Message).id] : [])));
    expect(sent.filter((m) => !delivered.has(m.id))).toEqual([]);
    expect(received.length).toBeLessThanOrEqual(101);
  });
});
