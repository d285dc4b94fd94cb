import type { AgentEvent } from '../../../shared/events.js';
import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import { domainEventsRepository } from '../../repositories/domainEvents.js';
import type { ServiceContext, ServicePolicy } from '../context.js';
import { fromLogRow } from './eventLog.js';

export const MAX_QUEUED_EVENTS = 1000;
const PAGE = 500;

/** What a stream yields: events, and first where it starts (`ready`) or that it could not replay (`reset`). */
export type StreamItem =
  | { kind: 'event'; event: AgentEvent; /** the position a client resumes from after it */ position: string }
  | { kind: 'ready' | 'reset'; position: string };

export interface AgentEventStreamOptions {
  /** Only this ticket's events; all of them when unset. */
  ticketId?: string;
  /** The eventId of the last event the client got (decimal); unset = from now on. */
  lastEventId?: string;
  /** Ends the stream and unsubscribes. */
  signal: AbortSignal;
  maxQueued?: number;
}

/** `policy.eventReplayMs` (EVENT_REPLAY_HOURS): how far back a Last-Event-ID may point. */
export type AgentEventStreamDeps = Pick<ServiceContext, 'db' | 'bus' | 'logger'> & { policy: Pick<ServicePolicy, 'eventReplayMs'> };

/**
 * An agent's event stream (PROTOCOL §13), for `GET /api/v1/events` and `tickets.onEvent`:
 * every event after `lastEventId` from the database, then live ones, each once, in eventId order.
 *
 * It subscribes to the bus at once (before the first pull) and queues what arrives, then reads
 * the log up to its newest position, then takes the queue, skipping what it already gave.
 * Positions are gap-free (repositories/domainEvents.ts), so the stream always knows which id
 * comes next: when a live event arrives ahead of it (two nodes publish in another order than
 * they committed, the bus lost one, a node died between commit and publish), what lies between
 * is committed already and is read from the database first. The queue is bounded: a slow client
 * loses typing first, and beyond that events that are then read back from the database — never
 * the node's memory without bound, never an event.
 */
export function streamAgentEvents(deps: AgentEventStreamDeps, options: AgentEventStreamOptions): AsyncGenerator<StreamItem> {
  const live = liveQueue(deps.bus, options.signal, options.maxQueued ?? MAX_QUEUED_EVENTS, deps.logger);
  // Asked now, not at the first pull: a stream starts where it was opened, whenever it is read.
  const starting = startingPoint(deps, options.lastEventId);
  starting.catch(() => {}); // the first pull answers the failure
  const wanted = (event: AgentEvent) => !options.ticketId || event.ticketId === options.ticketId;
  let last = 0;

  /** The log's events after `last` up to `upTo` (its newest when unset). */
  async function* catchUp(upTo?: number): AsyncGenerator<StreamItem> {
    const ceiling = upTo ?? (await domainEventsRepository.newestPosition(deps.db));
    while (last < ceiling && !options.signal.aborted) {
      const rows = await domainEventsRepository.listAfter(deps.db, { after: last, upTo: ceiling, ticketId: options.ticketId, limit: PAGE });
      for (const row of rows) {
        last = row.position;
        const event = fromLogRow(row);
        if (event) yield { kind: 'event', event, position: String(last) };
      }
      // A short page: the rest of the range holds other tickets' events only.
      if (rows.length < PAGE) last = ceiling;
    }
  }

  async function* run(): AsyncGenerator<StreamItem> {
    try {
      const start = await starting;
      last = start.after;
      yield { kind: start.reset ? 'reset' : 'ready', position: String(last) };
      yield* catchUp();
      while (!options.signal.aborted) {
        const next = await live.next();
        if (next === 'lost') {
          yield* catchUp();
          continue;
        }
        if (!next) continue; // aborted
        if (next.type === 'chat.typing' || next.eventId === undefined) {
          if (wanted(next)) yield { kind: 'event', event: next, position: String(last) };
          continue;
        }
        const position = Number(next.eventId);
        if (position <= last) continue; // given already (from the log, or it came twice)
        if (position > last + 1) yield* catchUp(position - 1);
        last = position;
        if (wanted(next)) yield { kind: 'event', event: next, position: String(last) };
      }
    } finally {
      live.close();
    }
  }
  return run();
}

/**
 * Where a stream starts: after `lastEventId` when every event since is still in the log and
 * within the replay window; else (too old, pruned, or an id this cluster never gave) at the
 * newest position, saying `reset`. Without `lastEventId`: at the newest position.
 */
async function startingPoint(deps: AgentEventStreamDeps, lastEventId: string | undefined): Promise<{ after: number; reset: boolean }> {
  const newest = await domainEventsRepository.newestPosition(deps.db);
  if (lastEventId === undefined) return { after: newest, reset: false };
  const after = Number(lastEventId);
  if (after === newest) return { after, reset: false };
  if (after > newest) return { after: newest, reset: true };
  const nextLoggedAt = await domainEventsRepository.loggedAt(deps.db, after + 1);
  if (!nextLoggedAt || nextLoggedAt.getTime() < Date.now() - deps.policy.eventReplayMs) return { after: newest, reset: true };
  return { after, reset: false };
}

interface LiveQueue {
  /** The next live event; 'lost' when events were dropped since (read them from the log); undefined once aborted. */
  next(): Promise<AgentEvent | 'lost' | undefined>;
  close(): void;
}

/** The bus's events for one stream, at most `max` waiting: typing goes first, then the oldest (marked lost). */
function liveQueue(bus: EventBus, signal: AbortSignal, max: number, logger: Logger): LiveQueue {
  const queue: AgentEvent[] = [];
  let lost = false;
  let dropped = 0;
  let wake: (() => void) | undefined;
  const unsubscribe = bus.subscribe((event) => {
    if (queue.length >= max) {
      dropped++;
      if (dropped === 1 || dropped % 1000 === 0) {
        logger.warn({ dropped, maxQueued: max }, 'slow event subscriber: dropping typing first, then events it will read back from the database');
      }
      const typing = queue.findIndex((queued) => queued.type === 'chat.typing');
      if (typing >= 0) queue.splice(typing, 1);
      else if (event.type === 'chat.typing') return;
      else {
        queue.shift();
        lost = true;
      }
    }
    queue.push(event);
    wake?.();
  });
  const stop = () => {
    unsubscribe();
    wake?.();
  };
  // Also when the stream is never pulled, so its generator's `finally` never runs.
  signal.addEventListener('abort', stop, { once: true });
  return {
    async next() {
      while (!signal.aborted) {
        const event = queue.shift();
        if (event) return event;
        if (lost) {
          lost = false;
          return 'lost';
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      return undefined;
    },
    close() {
      signal.removeEventListener('abort', stop);
      unsubscribe();
    },
  };
}
