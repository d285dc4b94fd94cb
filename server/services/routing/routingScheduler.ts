import type { DomainEvent } from '../../../shared/events.js';
import type { EventMeta } from '../../events/bus.js';
import type { RoutingControl, RoutingSettings, ServiceContext } from '../context.js';
import { runRoutingPass } from './routingPass.js';

/** A pass that met a ticket held by another writer tries again this much later. */
const BUSY_RETRY_MS = 100;
/**
 * How long a pass waits for more requests before it starts: a burst of chat starts becomes one
 * pass instead of one each (a pass costs a dozen statements whatever it carries), and a chat
 * is still assigned well within a human's "at once".
 */
const GATHER_MS = 40;
/**
 * And passes start at most this often: under a steady stream of chat starts a pass carries
 * about this long's worth of them, so its fixed cost (a transaction, a dozen statements, a commit
 * holding the event log's position lock) is shared by more chats. A lone chat still waits only
 * GATHER_MS.
 */
const PASS_EVERY_MS = 100;

export interface Routing extends RoutingControl {
  /** Starts listening to this node's events and the periodic sweep (not in `manual` mode). */
  start(ctx: ServiceContext): void;
  /** Resolves when no pass runs nor waits (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops listening and the sweep; a pass already running finishes (await `idle()`). */
  stop(): void;
}

/**
 * This node's routing passes (PROTOCOL §8): asked for after the facts that change who waits or
 * who has room — a chat started or escalated here, a chat ended here, an agent's assignment
 * changed by hand here, an agent's status or capacity set here, an agent back to life here —
 * and every few seconds as a safety net (an agent's presence expiring is no event on any node;
 * a node may die between a commit and its pass). Requests arriving while a pass runs are
 * gathered into the next one (each pass first waits a few tens of milliseconds for more, and
 * passes start at most ten times a second), so a node runs one pass at a time and a burst or a
 * stream of chat starts costs few passes, none inside the intake.
 */
export function createRouting(settings: RoutingSettings): Routing {
  const manual = settings.mode === 'manual';
  const sweepEveryMs = Math.max(250, Math.min(5000, Math.floor(settings.presenceTimeoutMs / 4)));
  let ctx: ServiceContext | undefined;
  let pending: { ticketIds: Set<string>; sweep: boolean } | undefined;
  let running: Promise<void> | undefined;
  let lastPassAt = -Infinity;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  let unsubscribe = () => {};

  function request(ticketIds: string[] = [], sweep = false) {
    if (manual || stopped || !ctx) return;
    pending ??= { ticketIds: new Set(), sweep: false };
    for (const id of ticketIds) pending.ticketIds.add(id);
    pending.sweep ||= sweep;
    running ??= drain(ctx).finally(() => {
      running = undefined;
    });
  }

  async function drain(ctx: ServiceContext) {
    while (pending && !stopped) {
      const wait = Math.max(GATHER_MS, lastPassAt + PASS_EVERY_MS - performance.now());
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (stopped || !pending) break;
      const next = pending;
      pending = undefined;
      lastPassAt = performance.now();
      try {
        const outcome = await runRoutingPass({ ticketIds: [...next.ticketIds], sweep: next.sweep }, settings, ctx);
        if (outcome.busy) later(() => request(outcome.retry), BUSY_RETRY_MS);
      } catch (error) {
        // The sweep takes the chats this pass would have queued.
        ctx.logger.warn({ err: error }, 'routing pass failed; the next one retries');
      }
    }
  }

  function later(run: () => void, ms: number) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  function onEvent(event: DomainEvent, meta: EventMeta) {
    // Each fact is routed once in the cluster, by the node where it happened.
    if (!meta.local) return;
    switch (event.type) {
      case 'ticket.created':
        if (event.source === 'chat' && !settings.assistantOn) request([event.ticketId]);
        return;
      case 'chat.escalated':
        request([event.ticketId]);
        return;
      case 'ticket.assigned':
        // Routing's own assignments (no actor) were made by a pass that already renumbered.
        if (event.actorId) request([event.ticketId]);
        return;
      case 'chat.closed':
      case 'client.erased': // the erasure ends the customer's chats
        // Its place in the queue, if it had one, is freed (and any agent's room).
        request([event.ticketId]);
        return;
      default:
    }
  }

  return {
    settings,
    request: (ticketIds) => request(ticketIds),
    start(context) {
      ctx = context;
      if (manual) return;
      unsubscribe = context.bus.subscribe(onEvent);
      const sweep = setInterval(() => request([], true), sweepEveryMs);
      sweep.unref();
      timers.add(sweep);
      request([], true);
    },
    async idle() {
      while (running) await running;
    },
    stop() {
      stopped = true;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
