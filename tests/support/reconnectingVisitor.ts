import { io } from 'socket.io-client';
import type { ChatStarted, Message } from '../../shared/chat.js';
import type { Ack } from '../../shared/errors.js';
import { request, uniqueContact, type CustomerSocket } from './customer.js';

/** Like `request`, but resolves undefined when the socket drops before the ack arrives. */
function requestOrDrop<T>(socket: CustomerSocket, event: string, payload: unknown): Promise<Ack<T> | undefined> {
  if (!socket.connected) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onDrop = () => resolve(undefined);
    socket.once('disconnect', onDrop);
    (socket.emit as (e: string, ...a: unknown[]) => void)(event, payload, (ack: Ack<T>) => {
      socket.off('disconnect', onDrop);
      resolve(ack);
    });
  });
}

/**
 * A visitor who keeps writing, as the widget behaves: when its socket is sent away (a node
 * draining) it connects again — through the load balancer, so to whichever node it picks —,
 * resumes from the last seq it saw, and re-sends the message whose ack it never got with the
 * same clientMsgId; an UNAVAILABLE answer (the database busy for a moment) is retried the same
 * way, as the widget's outbox does. Every other refusal is kept: a visitor should see nothing
 * but a reconnect.
 */
export class ReconnectingVisitor {
  readonly acked = new Map<string, Message>();
  /** Every message this visitor saw, by seq: acks, live `message:new`, resumes. */
  readonly seen = new Map<number, Message>();
  readonly refusals: unknown[] = [];
  /** Answers UNAVAILABLE, retried: the contract's "retry later" (a shared PostgreSQL out of connections). */
  unavailable = 0;
  reconnects = 0;
  failedConnects = 0;
  /** What it is doing now, for a test's message when it stops making progress. */
  doing: 'sending' | 'pausing' | 'connecting' | 'resuming' | 'stopped' = 'sending';
  private stopped = false;
  private sent = 0;
  private done: Promise<void> = Promise.resolve();
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly url: string,
    private socket: CustomerSocket,
    readonly started: ChatStarted,
    private readonly pauseMs: number,
  ) {}

  static async start(url: string, options: { pauseMs: number }): Promise<ReconnectingVisitor> {
    const contact = uniqueContact();
    for (;;) {
      const socket = await ReconnectingVisitor.connect(url);
      const ack = await request<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
      if (ack.ok) {
        const visitor = new ReconnectingVisitor(url, socket, ack.data, options.pauseMs);
        visitor.follow(socket);
        visitor.done = visitor.run();
        return visitor;
      }
      socket.disconnect();
      if (ack.error.code !== 'UNAVAILABLE') throw new Error(`chat:start failed: ${JSON.stringify(ack.error)}`);
    }
  }

  private static async connect(url: string, onFailure = () => {}): Promise<CustomerSocket> {
    for (;;) {
      const socket: CustomerSocket = io(`${url}/chat`, { transports: ['websocket'], reconnection: false, forceNew: true });
      const connected = await new Promise<boolean>((resolve) => {
        socket.once('connect', () => resolve(true));
        socket.once('connect_error', () => resolve(false));
      });
      if (connected) return socket;
      socket.disconnect();
      onFailure();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private follow(socket: CustomerSocket) {
    socket.on('message:new', (message: Message) => this.see(message));
  }

  private see(message: Message) {
    this.seen.set(message.seq, message);
  }

  private lastSeq(): number {
    let last = 0;
    while (this.seen.has(last + 1)) last++;
    return last;
  }

  private async run() {
    let unacked: string | undefined;
    while (!this.stopped) {
      const clientMsgId = unacked ?? `${this.started.sessionId.slice(0, 8)}-${++this.sent}`;
      unacked = clientMsgId;
      this.doing = 'sending';
      const ack = await requestOrDrop<Message>(this.socket, 'message:send', { body: `mensagem ${clientMsgId}`, clientMsgId });
      if (!ack) {
        await this.reconnect();
        continue;
      }
      if (!ack.ok && ack.error.code === 'UNAVAILABLE') {
        this.unavailable++;
        await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
        continue;
      }
      unacked = undefined;
      if (ack.ok) {
        this.acked.set(clientMsgId, ack.data);
        this.see(ack.data);
      } else {
        this.refusals.push(ack.error);
      }
      for (const waiter of [...this.waiters]) {
        if (this.acked.size >= waiter.count) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      this.doing = 'pausing';
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
    this.doing = 'stopped';
  }

  /** A new connection through the balancer, then `chat:resume` from the last seq seen (pages of 200). */
  private async reconnect(): Promise<void> {
    this.socket.disconnect();
    this.reconnects++;
    this.doing = 'connecting';
    this.socket = await ReconnectingVisitor.connect(this.url, () => this.failedConnects++);
    this.follow(this.socket);
    this.doing = 'resuming';
    for (;;) {
      const ack = await requestOrDrop<{ messages: Message[]; hasMore: boolean }>(this.socket, 'chat:resume', {
        resumeToken: this.started.resumeToken,
        lastSeq: this.lastSeq(),
      });
      if (!ack) return this.reconnect();
      if (!ack.ok && ack.error.code === 'UNAVAILABLE') {
        this.unavailable++;
        await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
        continue;
      }
      if (!ack.ok) {
        this.refusals.push(ack.error);
        return;
      }
      for (const message of ack.data.messages) this.see(message);
      if (!ack.data.hasMore) return;
    }
  }

  /** One line on where it stands, for a test's failure message. */
  describe(): string {
    return `${this.started.sessionId.slice(0, 8)} ${this.doing} acked=${this.acked.size} reconnects=${this.reconnects} failedConnects=${this.failedConnects} unavailable=${this.unavailable} refusals=${this.refusals.length}`;
  }

  /** Resolves once `more` further messages have been acknowledged. */
  acks(more: number): Promise<void> {
    const count = this.acked.size + more;
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.socket.disconnect();
  }
}
