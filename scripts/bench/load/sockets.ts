/**
 * Load generator (its own process): customer sockets over socket.io-client against Atende or
 * the bare baseline, driven by the harness over IPC. Latencies are measured here, in ms.
 */
import { randomUUID } from 'node:crypto';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { io, type Socket } from 'socket.io-client';
import type { AppRouter } from '../../../server/trpc/appRouter.js';
import { newContact } from '../lib/rawBaseline.js';
import { serveCommands } from '../lib/workerCommands.js';

interface Held {
  socket: Socket;
  sessionId?: string;
  resumeToken?: string;
  /** `messages`' sends on this socket: acknowledged (committed, says Atende), and failed or unanswered. */
  sent: { acked: number; failed: number };
  /** The message `sendOne` had acknowledged (committed), which a resume must give back. */
  acked?: { clientMsgId: string; seq: number };
}

const held: Held[] = [];

const contact = () => newContact('bench');

function connect(url: string, localAddress?: string): Promise<Socket> {
  const socket = io(`${url}/chat`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
    ...(localAddress ? { localAddress } : {}),
  } as Parameters<typeof io>[1]);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

function ask<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    socket.emit(event, payload, (ack: { ok: boolean; data: T; error?: unknown }) =>
      ack.ok ? resolve(ack.data) : reject(new Error(`${event}: ${JSON.stringify(ack.error)}`)),
    ),
  );
}

type Answer<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; retryAfterMs?: number } };

/** The ack of `event`, whether it says ok or not. */
function askForAck<T>(socket: Socket, event: string, payload: unknown): Promise<Answer<T>> {
  return new Promise((resolve) => socket.emit(event, payload, (ack: Answer<T>) => resolve(ack)));
}

/** Runs `total` tasks with at most `concurrency` at once. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(total, concurrency) }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

serveCommands({
  /** Opens `count` sockets, each starting a chat of its own (its own session room), and holds them. */
  async open(args: { url: string; count: number; concurrency?: number; localAddress?: string }) {
    const began = performance.now();
    let failed = 0;
    let firstError: string | undefined;
    await pool(args.count, args.concurrency ?? 50, async () => {
      try {
        const socket = await connect(args.url, args.localAddress);
        const started = await ask<{ sessionId?: string; resumeToken?: string }>(socket, 'chat:start', contact());
        held.push({ socket, sessionId: started.sessionId, resumeToken: started.resumeToken, sent: { acked: 0, failed: 0 } });
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    });
    return { held: held.length, failed, firstError, ms: performance.now() - began };
  },

  /** Closed loop: `concurrency` sockets each starting chats one after another, for `durationMs`. */
  async starts(args: { url: string; concurrency: number; durationMs: number }) {
    const sockets = await Promise.all(Array.from({ length: args.concurrency }, () => connect(args.url)));
    const latencies: number[] = [];
    let errors = 0;
    const began = performance.now();
    const deadline = began + args.durationMs;
    await Promise.all(
      sockets.map(async (socket) => {
        while (performance.now() < deadline) {
          const t = performance.now();
          try {
            await ask(socket, 'chat:start', contact());
            latencies.push(performance.now() - t);
          } catch {
            errors++;
          }
        }
      }),
    );
    const elapsedMs = performance.now() - began;
    for (const socket of sockets) socket.close();
    return { latencies, errors, elapsedMs };
  },

  /** Every held socket keeps `window` messages in flight for `durationMs`; ack latencies. */
  async messages(args: { window: number; durationMs: number; sockets?: number }) {
    const senders = held.slice(0, args.sockets ?? held.length);
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const began = performance.now();
    const deadline = began + args.durationMs;
    await Promise.all(
      senders.flatMap(({ socket, sent }) =>
        Array.from({ length: args.window }, async () => {
          while (performance.now() < deadline) {
            const t = performance.now();
            try {
              // As the widget sends it: its own message comes back in the ack, not as message:new.
              await ask(socket, 'message:send', { body: 'Olá, preciso de ajuda com o meu pedido', clientMsgId: randomUUID(), echo: false });
              latencies.push(performance.now() - t);
              sent.acked++;
            } catch (error) {
              errors++;
              sent.failed++;
              firstError ??= error instanceof Error ? error.message : String(error);
            }
          }
        }),
      ),
    );
    return { latencies, errors, firstError, elapsedMs: performance.now() - began };
  },

  /**
   * One customer on `customerUrl` sends `count` messages one at a time; an agent subscribed to
   * the ticket's events on `agentUrl` (tickets.onEvent over SSE) receives them. Latency from
   * send to the agent's event, and to the ack.
   */
  async endToEnd(args: { customerUrl: string; agentUrl: string; token: string; count: number; warmup?: number }) {
    const socket = await connect(args.customerUrl);
    const started = await ask<{ ticketId: string }>(socket, 'chat:start', contact());
    const agent = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: `${args.agentUrl}/trpc`, EventSource, connectionParams: { token: args.token } }),
          false: httpBatchLink({ url: `${args.agentUrl}/trpc`, headers: { Authorization: `Bearer ${args.token}` } }),
        }),
      ],
    });
    const waiting = new Map<string, (at: number) => void>();
    let markStarted!: () => void;
    const subscribed = new Promise<void>((resolve) => (markStarted = resolve));
    const subscription = agent.tickets.onEvent.subscribe(
      { ticketId: started.ticketId },
      {
        onData: ({ data: event }) => {
          // Live from the position `stream.ready` names (PROTOCOL §13), not from the HTTP open.
          if (event.type === 'stream.ready') markStarted();
          const message = (event as { type: string; message?: { clientMsgId?: string } }).message;
          if (event.type === 'message.created' && message?.clientMsgId) waiting.get(message.clientMsgId)?.(performance.now());
        },
      },
    );
    await subscribed;
    const toAgent: number[] = [];
    const acks: number[] = [];
    const warmup = args.warmup ?? 20;
    for (let i = 0; i < args.count + warmup; i++) {
      const clientMsgId = randomUUID();
      const arrived = new Promise<number>((resolve) => waiting.set(clientMsgId, resolve));
      const t = performance.now();
      await ask(socket, 'message:send', { body: `e2e ${i}`, clientMsgId });
      const acked = performance.now();
      const at = await arrived;
      waiting.delete(clientMsgId);
      if (i >= warmup) {
        toAgent.push(at - t);
        acks.push(acked - t);
      }
    }
    subscription.unsubscribe();
    socket.close();
    return { toAgent, acks };
  },

  /** Every held socket sends one message and keeps what was acknowledged. */
  async sendOne() {
    let failed = 0;
    await pool(held.length, 200, async (i) => {
      const entry = held[i]!;
      const clientMsgId = randomUUID();
      try {
        const message = await ask<{ seq: number }>(entry.socket, 'message:send', { body: 'Minha entrega não chegou', clientMsgId });
        entry.acked = { clientMsgId, seq: message.seq };
      } catch {
        failed++;
      }
    });
    return { clientMsgIds: held.flatMap((entry) => (entry.acked ? [entry.acked.clientMsgId] : [])), failed };
  },

  /**
   * The storm after a node dies: every held session (its node just killed) reconnects to `url`
   * and resumes, all at once, or spread over `spreadMs` (a uniform random delay each, as the
   * widget's jittered backoff does). A refusal carrying `retryAfterMs` is waited out and tried
   * again, as the widget does; any other handshake error counts as failed. Times from the call.
   */
  async storm(args: { url: string; spreadMs?: number; localAddress?: string }) {
    const began = performance.now();
    const resumedAt: number[] = [];
    const connectMs: number[] = [];
    const resumeMs: number[] = [];
    let handshakeFailures = 0;
    let refusals = 0;
    let resumeErrors = 0;
    let lost = 0;
    let firstError: string | undefined;
    const sessions = held.splice(0);
    for (const { socket } of sessions) socket.close();
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const resumed: Held[] = [];
    await Promise.all(
      sessions.map(async (entry) => {
        if (args.spreadMs) await wait(Math.random() * args.spreadMs);
        for (;;) {
          let socket: Socket;
          const tried = performance.now();
          try {
            socket = await connect(args.url, args.localAddress);
            connectMs.push(performance.now() - tried);
          } catch (error) {
            const retryAfterMs = (error as { data?: { retryAfterMs?: number } }).data?.retryAfterMs;
            if (typeof retryAfterMs === 'number') {
              refusals++;
              await wait(retryAfterMs * (0.5 + Math.random()));
              continue;
            }
            handshakeFailures++;
            firstError ??= `handshake: ${error instanceof Error ? error.message : String(error)}`;
            return;
          }
          const asked = performance.now();
          for (;;) {
            const answer = await askForAck<{ messages: Array<{ clientMsgId?: string | null }> }>(socket, 'chat:resume', {
              resumeToken: entry.resumeToken,
              lastSeq: 0,
            });
            if (!answer.ok && answer.error.code === 'RATE_LIMITED' && typeof answer.error.retryAfterMs === 'number') {
              refusals++;
              await wait(answer.error.retryAfterMs);
              continue;
            }
            if (answer.ok) {
              resumedAt.push(performance.now() - began);
              resumeMs.push(performance.now() - asked);
              if (entry.acked && !answer.data.messages.some((m) => m.clientMsgId === entry.acked!.clientMsgId)) lost++;
              resumed.push({ ...entry, socket });
            } else {
              resumeErrors++;
              firstError ??= `chat:resume: ${JSON.stringify(answer.error)}`;
              socket.close();
            }
            break;
          }
          return;
        }
      }),
    );
    held.push(...resumed);
    return { sessions: sessions.length, resumedAt, connectMs, resumeMs, handshakeFailures, refusals, resumeErrors, lost, firstError, ms: performance.now() - began };
  },

  /** Per held session, how many of `messages`' sends were acknowledged and how many failed. */
  async sent() {
    return held.flatMap(({ sessionId, sent }) => (sessionId ? [{ sessionId, ...sent }] : []));
  },

  async close() {
    for (const { socket } of held.splice(0)) socket.close();
  },

  async stop() {
    for (const { socket } of held.splice(0)) socket.close();
  },
});
