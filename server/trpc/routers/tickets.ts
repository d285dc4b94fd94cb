import {
  ticketCreateInput,
  ticketEventsInput,
  ticketListInput,
  ticketNoteInput,
  ticketRefInput,
  ticketAssignInput,
  ticketMarkReadInput,
  ticketReplyInput,
  ticketTypingInput,
  ticketUpdateInput,
} from '../../../shared/agentSchemas.js';
import { createTicket } from '../../services/tickets/createTicket.js';
import { addNote } from '../../services/tickets/addNote.js';
import { getTicket } from '../../services/tickets/getTicket.js';
import { listTickets } from '../../services/tickets/listTickets.js';
import { relayAgentTyping, replyToTicket } from '../../services/tickets/replyToTicket.js';
import { updateTicket } from '../../services/tickets/updateTicket.js';
import { assignTicket } from '../../services/tickets/assignTicket.js';
import { markTicketRead } from '../../services/tickets/markTicketRead.js';
import { tracked } from '@trpc/server';
import type { AgentEvent, StreamControlEvent } from '../../../shared/events.js';
import { AppError } from '../../errors.js';
import { toTRPCError } from '../errors.js';
import { streamAgentEvents, type StreamItem } from '../../services/events/agentEventStream.js';
import { agentProcedure, router } from '../init.js';

/** `tickets.*` (PROTOCOL §4). */
export const ticketsRouter = router({
  list: agentProcedure.input(ticketListInput).query(({ input, ctx }) => listTickets(input, ctx.agent, ctx.services)),

  get: agentProcedure.input(ticketRefInput).query(({ input, ctx }) => getTicket(input, ctx.services)),

  create: agentProcedure
    .input(ticketCreateInput)
    .mutation(({ input, ctx }) => createTicket(input, ctx.agent, ctx.services)),

  update: agentProcedure
    .input(ticketUpdateInput)
    .mutation(({ input, ctx }) => updateTicket(input, ctx.agent, ctx.services)),

  assign: agentProcedure
    .input(ticketAssignInput)
    .mutation(({ input, ctx }) => assignTicket(input, ctx.agent, ctx.services)),

  markRead: agentProcedure
    .input(ticketMarkReadInput)
    .mutation(({ input, ctx }) => markTicketRead(input, ctx.agent, ctx.services)),

  reply: agentProcedure
    .input(ticketReplyInput)
    .mutation(({ input, ctx }) => replyToTicket(input, ctx.agent, ctx.services)),

  note: agentProcedure.input(ticketNoteInput).mutation(({ input, ctx }) => addNote(input, ctx.agent, ctx.services)),

  typing: agentProcedure
    .input(ticketTypingInput)
    .mutation(({ input, ctx }) => relayAgentTyping(input, ctx.agent, ctx.services)),

  /**
   * PROTOCOL §13: every item is `tracked(eventId, event)`, so tRPC's client reconnects with
   * `lastEventId` and gets what it missed first. `stream.ready` / `stream.reset` come first.
   */
  onEvent: agentProcedure.input(ticketEventsInput).subscription(({ input, ctx, signal }) => {
    // tRPC always passes one for subscriptions; a never-aborted one keeps the types honest.
    const watched = ctx.agentStreams.watch(ctx.agent, signal ?? new AbortController().signal);
    // The agent is live while this stream is open (presence, PROTOCOL §8).
    const released = ctx.liveness.streamOpened(ctx.agent.id);
    watched.signal.addEventListener('abort', released, { once: true });
    // Opened here, when the call is made (it subscribes and asks where it starts at once).
    const stream = streamAgentEvents(ctx.services, {
      ticketId: input?.ticketId,
      lastEventId: input?.lastEventId ?? undefined,
      signal: watched.signal,
    });
    return trackedEvents(stream, watched.revoked);
  }),
});

/**
 * Each item as `tracked(eventId, event)`. Ended with UNAUTHORIZED once the token is revoked:
 * not a quiet end, nor an INTERNAL that tRPC's client would retry. A TRPCError already: what a
 * stream throws skips the `mapErrors` middleware.
 */
async function* trackedEvents(stream: AsyncGenerator<StreamItem>, revoked: () => boolean) {
  for await (const item of stream) {
    const control: StreamControlEvent = { type: item.kind === 'reset' ? 'stream.reset' : 'stream.ready', eventId: item.position, at: new Date().toISOString() };
    const payload: AgentEvent | StreamControlEvent = item.kind === 'event' ? item.event : control;
    yield tracked(item.position, payload);
  }
  if (revoked()) throw toTRPCError(new AppError('UNAUTHORIZED', 'This API token was revoked'));
}
