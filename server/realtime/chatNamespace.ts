import type { Socket } from 'socket.io';
import {
  sessionRoom,
  type AckData,
  type AckedEvent,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
} from '../../shared/chat.js';
import type { Ack } from '../../shared/errors.js';
import { resolveLocale } from '../../shared/messages.js';
import { chatCloseSchema, chatResumeSchema, typingSchema } from '../../shared/schemas.js';
import { chatRateSchema, chatTranscriptSchema } from '../../shared/chatActions.js';
import { AppError, toAppError, toErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import type { ServiceContext } from '../services/context.js';
import type { ChatRef } from '../services/chat/chatRef.js';
import { startChat } from '../services/chat/startChat.js';
import { resumeChat } from '../services/chat/resumeChat.js';
import { queuePositionOf } from '../services/routing/queuePosition.js';
import { authenticateChat } from '../services/chat/authenticateChat.js';
import { sendCustomerMessage } from '../services/chat/continueChat.js';
import { closeChat } from '../services/chat/closeChat.js';
import { relayCustomerTyping } from '../services/chat/relayTyping.js';
import { rateChat } from '../services/chat/rateChat.js';
import { requestTranscript } from '../services/mail/transcripts.js';
import { parsePayload, type PayloadSchemas } from '../validation.js';
import type { ChatNamespace, SocketData } from './socketServer.js';
import { createTypingRelay } from './typingRelay.js';
import type { InflightTracker } from '../inflight.js';
import type { RateLimits } from '../security/rateLimits.js';
import { checkTokenAtCost } from '../security/failedAuth.js';
import type { ClientIp } from '../security/clientIp.js';

type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface ChatNamespaceDeps {
  ctx: ServiceContext;
  schemas: PayloadSchemas;
  logger: Logger;
  inflight: InflightTracker;
  limits: RateLimits;
  clientIp: ClientIp;
}

/** Wires the `/chat` namespace (PROTOCOL §2): each handler parses, authorizes, calls one service. */
export function registerChatNamespace(nsp: ChatNamespace, deps: ChatNamespaceDeps): void {
  const { ctx, schemas, inflight, limits } = deps;

  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    socket.data.locale = resolveLocale(auth?.locale ?? socket.handshake.query.locale);
    const ip = deps.clientIp(socket.request);
    const logger = deps.logger.child({ socketId: socket.id });
    // The handler's answer is checked against the event's ack type in `shared/chat.ts`.
    const handle = <E extends AckedEvent>(event: E, handler: (payload: unknown) => Promise<AckData<E>>) =>
      handleEvent(socket, logger, inflight, ctx.metrics, event, handler);

    handle('chat:start', async (payload) => {
      await limits.chatStart.consume(ip);
      const locale = resolveLocale(readLocale(payload) ?? socket.data.locale);
      const input = parsePayload(schemas[locale].chatStart, payload);
      const { started, chat } = await startChat(input, ctx);
      attach(socket, chat, false);
      socket.data.locale = locale;
      return started;
    });

    handle('chat:resume', async (payload) => {
      const input = parsePayload(chatResumeSchema, payload);
      await limits.socketResumes.consume(socket.id);
      const authenticated = await checkTokenAtCost(limits.failedResumeAuth, ip, () => authenticateChat(input.resumeToken, ctx));
      // Per session, not per IP: a node drained sends many visitors of one address back at once.
      await limits.sessionResumes.consume(authenticated.chat.sessionId);
      const resumed = await resumeChat(authenticated, input.lastSeq, ctx);
      attach(socket, authenticated.chat, authenticated.continuable);
      const position = queuePositionOf(authenticated, ctx);
      // After the ack (sent once this handler's answer settles): a waiting visitor who comes back learns its place.
      if (position !== undefined) setImmediate(() => socket.emit('queue:position', { position }));
      return resumed;
    });

    handle('message:send', async (payload) => {
      const input = parsePayload(schemas[socket.data.locale].messageSend, payload);
      const chat = requireChat(socket);
      await limits.socketMessages.consume(socket.id);
      await limits.sessionMessages.consume(chat.sessionId);
      // echo: false — this socket has the message in its ack; the session's other sockets still get it.
      const delivery = input.echo === false ? { notTo: socket.id } : {};
      const sent = await sendCustomerMessage({ chat, continuable: socket.data.continuable ?? false }, input, ctx, delivery);
      if (sent.chat.sessionId !== chat.sessionId) attach(socket, sent.chat, true);
      return sent.message;
    });

    handle('chat:close', async (payload) => {
      const input = parsePayload(chatCloseSchema, payload ?? {});
      const chat = requireChat(socket);
      await closeChat(chat, { reason: 'client', actorType: 'client', actorId: chat.clientId, note: input.reason }, ctx);
      return { status: 'closed' as const };
    });

    handle('chat:rate', async (payload) => {
      const input = parsePayload(chatRateSchema, payload);
      return rateChat(requireChat(socket), input, ctx);
    });

    handle('chat:transcript', async (payload) => {
      parsePayload(chatTranscriptSchema, payload ?? {});
      const chat = requireChat(socket);
      await limits.sessionMessages.consume(chat.sessionId);
      return requestTranscript(chat, ctx);
    });

    const typing = createTypingRelay((isTyping) => {
      const chat = socket.data.chat;
      if (chat) relayCustomerTyping(chat, isTyping, ctx);
    });
    socket.on('disconnect', () => typing.stop());
    // Typed as the contract says, parsed as untrusted: a client may send anything.
    socket.on('typing', (payload: unknown) => {
      const parsed = typingSchema.safeParse(payload);
      if (!parsed.success || !socket.data.chat) return;
      typing.update(parsed.data.isTyping);
    });
  });
}

function readLocale(payload: unknown): unknown {
  return payload && typeof payload === 'object' ? (payload as { locale?: unknown }).locale : undefined;
}

function attach(socket: ChatSocket, chat: ChatRef, continuable: boolean): void {
  const previous = socket.data.chat;
  if (previous && previous.sessionId !== chat.sessionId) socket.leave(sessionRoom(previous.sessionId));
  socket.data.chat = chat;
  socket.data.continuable = continuable;
  socket.join(sessionRoom(chat.sessionId));
}

function requireChat(socket: ChatSocket): ChatRef {
  const chat = socket.data.chat;
  if (!chat) throw new AppError('UNAUTHORIZED', 'Start or resume a chat on this connection first');
  return chat;
}

/**
 * Runs one event handler with the contract's guarantees: the payload is untrusted, the ack
 * (when the client gave one) is called exactly once, and nothing thrown escapes the socket.
 */
function handleEvent<E extends AckedEvent>(
  socket: ChatSocket,
  logger: Logger,
  inflight: InflightTracker,
  metrics: NodeMetrics,
  event: E,
  handler: (payload: unknown) => Promise<AckData<E>>,
): void {
  type T = AckData<E>;
  // `unknown[]`, not the contract's (payload, ack): a client may leave out either, or send anything.
  socket.on<AckedEvent>(event, async (...args: unknown[]) => {
    const endAck = metrics.ackDuration.startTimer({ event });
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (result: Ack<T>) => void) : undefined;
    const payload = ack ? (args.length > 1 ? args[0] : undefined) : args[0];
    const result = await inflight.track(async (): Promise<Ack<T>> => {
      try {
        return { ok: true, data: await handler(payload) };
      } catch (thrown) {
        const error = toAppError(thrown);
        if (error.code === 'INTERNAL' || error.code === 'UNAVAILABLE') {
          logger.error({ err: error.cause ?? error, event }, 'socket event failed');
        }
        return { ok: false, error: toErrorBody(error) };
      }
    });
    ack?.(result);
    endAck({ outcome: result.ok ? 'ok' : result.error.code });
  });
}
