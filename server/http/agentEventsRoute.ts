import type { Request, RequestHandler, Response } from 'express';
import { ticketEventsInput } from '../../shared/agentSchemas.js';
import type { AgentRow } from '../db/schema.js';
import type { ErrorCode } from '../../shared/errors.js';
import { toAppError } from '../errors.js';
import type { AgentStreamWatch } from '../services/agents/agentStreamWatch.js';
import type { ServiceContext } from '../services/context.js';
import { streamAgentEvents, type StreamItem } from '../services/events/agentEventStream.js';
import { parsePayload } from '../validation.js';
import type { AgentLiveness } from '../services/agents/agentLiveness.js';

const PING_MS = 15_000;
/** What EventSource waits before reconnecting (it sends Last-Event-ID then). */
const RETRY_MS = 2000;

/**
 * `GET /api/v1/events` (PROTOCOL §13): the agent event stream as plain Server-Sent Events, for
 * any language's SSE client. Every event has `id: <eventId>`; reconnecting with `Last-Event-ID`
 * (or `?lastEventId=`) replays what came after it. Errors before the stream starts are answered
 * like every REST error; after, as an `error` event that ends it.
 */
export function agentEventsHandler(
  ctx: ServiceContext,
  agentStreams: AgentStreamWatch,
  liveness: AgentLiveness,
  authenticate: (req: Request) => Promise<AgentRow>,
): RequestHandler {
  return async (req, res) => {
    const agent = await authenticate(req);
    const header = req.headers['last-event-id'];
    const input = parsePayload(ticketEventsInput, {
      ticketId: req.query.ticketId,
      lastEventId: (typeof header === 'string' && header !== '' ? header : undefined) ?? req.query.lastEventId,
    });
    const closed = new AbortController();
    res.once('close', () => closed.abort());
    const watched = agentStreams.watch(agent, closed.signal);
    // The agent is live while this stream is open (presence, PROTOCOL §8), as with tRPC's.
    watched.signal.addEventListener('abort', liveness.streamOpened(agent.id), { once: true });
    const stream = streamAgentEvents(ctx, { ticketId: input?.ticketId, lastEventId: input?.lastEventId ?? undefined, signal: watched.signal });

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    try {
      for await (const item of stream) res.write(sseFrame(item));
      if (watched.revoked()) writeError(res, 'UNAUTHORIZED', 'This API token was revoked');
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === 'INTERNAL' || appError.code === 'UNAVAILABLE') ctx.logger.error({ err: error }, 'event stream failed');
      writeError(res, appError.code, appError.message);
    } finally {
      clearInterval(ping);
      res.end();
    }
  };
}

/** One SSE event: `event: <type>`, `id: <position>`, `data: <JSON>`. */
function sseFrame(item: StreamItem): string {
  if (item.kind !== 'event') {
    const type = item.kind === 'ready' ? 'stream.ready' : 'stream.reset';
    return `event: ${item.kind}\nid: ${item.position}\ndata: ${JSON.stringify({ type, eventId: item.position, at: new Date().toISOString() })}\n\n`;
  }
  // Typing carries no eventId of its own: the position repeats, so a reconnect loses nothing.
  return `event: ${item.event.type}\nid: ${item.position}\ndata: ${JSON.stringify(item.event)}\n\n`;
}

function writeError(res: Response, code: ErrorCode, message: string): void {
  res.write(`event: error\ndata: ${JSON.stringify({ error: { code, message } })}\n\n`);
}
