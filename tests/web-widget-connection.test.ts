import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../shared/chat.js';
import { createConnection, type ChatConnection } from '../web/widget/connection.js';
import { initialState, reducer, type Action, type WidgetState } from '../web/widget/state.js';

/**
 * The widget's `/chat` connection against a scripted Socket.IO server (not an Atende node):
 * how it pages through `chat:resume` answers (PROTOCOL §7). The browser's window events are
 * stood in for by an EventTarget; everything else is the real socket.io-client.
 */

const TOTAL = 450;
const PAGE = 200;

function message(seq: number, extra: Partial<Message> = {}): Message {
  return { id: `m${seq}`, sessionId: 's1', seq, senderType: 'agent', body: `m${seq}`, createdAt: new Date(0).toISOString(), ...extra };
}

let io: Server;
let url: string;
/** Every chat:resume's lastSeq, in order; and the message:send payloads seen. */
const resumes: (number | undefined)[] = [];
const sends: string[] = [];
/** Whether answers carry `hasMore` (false: a server from before paging, which sends everything). */
let paging = true;
/** The next chat:resume / message:send is refused with RATE_LIMITED and this retryAfterMs. */
const refuseNext: { resume?: number; send?: number } = {};
/** When each chat:resume and message:send arrived (ms). */
const arrivals: Array<{ event: string; at: number }> = [];

function refusal(retryAfterMs: number) {
  return { ok: false, error: { code: 'RATE_LIMITED', message: 'Too many requests', retryAfterMs } };
}

beforeAll(async () => {
  const http = createServer();
  io = new Server(http);
  io.of('/chat').on('connection', (socket) => {
    socket.on('chat:resume', (payload: { lastSeq?: number }, ack: (a: unknown) => void) => {
      arrivals.push({ event: 'chat:resume', at: performance.now() });
      if (refuseNext.resume !== undefined) {
        ack(refusal(refuseNext.resume));
        refuseNext.resume = undefined;
        return;
      }
      resumes.push(payload.lastSeq);
      const from = (payload.lastSeq ?? 0) + 1;
      const to = paging ? Math.min(TOTAL, from + PAGE - 1) : TOTAL;
      const messages = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => message(from + i));
      const data = { sessionId: 's1', ticketId: 't1', ticketNumber: 7, status: 'active', messages };
      ack({ ok: true, data: paging ? { ...data, hasMore: to < TOTAL } : data });
    });
    socket.on('message:send', (payload: { body: string; clientMsgId: string }, ack: (a: unknown) => void) => {
      arrivals.push({ event: 'message:send', at: performance.now() });
      if (refuseNext.send !== undefined) {
        ack(refusal(refuseNext.send));
        refuseNext.send = undefined;
        return;
      }
      sends.push(payload.body);
      ack({ ok: true, data: message(TOTAL + sends.length, { senderType: 'client', body: payload.body, clientMsgId: payload.clientMsgId }) });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  (globalThis as { window?: unknown }).window ??= new EventTarget();
  if (typeof navigator === 'undefined') Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true });
});

afterAll(async () => {
  // The browser going offline is the one thing that makes the widget close its socket for good.
  window.dispatchEvent(new Event('offline'));
  await io?.close();
});

/** A widget with a stored session and one unsent message, connected; resolves once the message is acked. */
async function resumeWidget(): Promise<{ state: () => WidgetState; connection: ChatConnection }> {
  let state = initialState({
    session: { resumeToken: 'token', ticketNumber: 7 },
    pending: [{ clientMsgId: 'c1', body: 'sent after the transcript', state: 'queued' }],
  });
  let done!: () => void;
  const acked = new Promise<void>((resolve) => (done = resolve));
  const dispatch = (action: Action) => {
    state = reducer(state, action);
    if (action.type === 'messageAcked') done();
  };
  const connection = createConnection({ url, locale: 'pt-BR', getState: () => state, dispatch, text: { failed: 'x' } });
  connection.connect();
  await acked;
  return { state: () => state, connection };
}

describe('widget connection: resume paging', () => {
  it('resumes from the last seq it got while hasMore is true, then sends what was pending, once', async () => {
    resumes.length = 0;
    sends.length = 0;
    paging = true;
    const { state } = await resumeWidget();
    expect(resumes).toEqual([undefined, 200, 400]);
    expect(state().messages.map((m) => m.seq)).toEqual(Array.from({ length: TOTAL + 1 }, (_, i) => i + 1));
    expect(sends).toEqual(['sent after the transcript']);
    expect(state().pending).toEqual([]);
  });

  it('a server without hasMore is asked once', async () => {
    resumes.length = 0;
    sends.length = 0;
    paging = false;
    const { state } = await resumeWidget();
    expect(resumes).toEqual([undefined]);
    expect(state().messages).toHaveLength(TOTAL + 1);
    expect(sends).toHaveLength(1);
  });
});

describe('widget connection: a refusal with retryAfterMs (PROTOCOL §1)', () => {
  // Far above the first backoff (250–500 ms): a widget that ignored it would ask again much sooner.
  const RETRY_AFTER_MS = 1500;
  /** The time between the first two arrivals of `event`. */
  const gap = (event: string) => {
    const [first, second] = arrivals.filter((arrival) => arrival.event === event);
    return second!.at - first!.at;
  };

  it('chat:resume refused as RATE_LIMITED is asked again no sooner than retryAfterMs, then goes on', async () => {
    arrivals.length = 0;
    paging = false;
    refuseNext.resume = RETRY_AFTER_MS;
    const { state } = await resumeWidget();
    expect(gap('chat:resume')).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 5);
    expect(state().messages).toHaveLength(TOTAL + 1);
  });

  it('a message refused as RATE_LIMITED is sent again no sooner than retryAfterMs, with its clientMsgId, and stored once', async () => {
    arrivals.length = 0;
    sends.length = 0;
    paging = false;
    refuseNext.send = RETRY_AFTER_MS;
    const { state } = await resumeWidget();
    expect(gap('message:send')).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 5);
    expect(sends).toEqual(['sent after the transcript']);
    expect(state().pending).toEqual([]);
  });
});
