import {
  ticketCreateInput,
  ticketEventsInput,
  ticketListInput,
  ticketRefInput,
  ticketReplyInput,
  ticketTypingInput,
  ticketUpdateInput,
} from '../../../shared/agentSchemas.js';
import { createTicket } from '../../services/tickets/createTicket.js';
import { getTicket } from '../../services/tickets/getTicket.js';
import { listTickets } from '../../services/tickets/listTickets.js';
import { relayAgentTyping, replyToTicket } from '../../services/tickets/replyToTicket.js';
import { updateTicket } from '../../services/tickets/updateTicket.js';
import { streamDomainEvents } from '../eventStream.js';
import { agentProcedure, router } from '../init.js';

/** `tickets.*` (PROTOCOL §4). */
export const ticketsRouter = router({
  list: agentProcedure.input(ticketListInput).query(({ input, ctx }) => listTickets(input, ctx.services)),

  get: agentProcedure.input(ticketRefInput).query(({ input, ctx }) => getTicket(input, ctx.services)),

  create: agentProcedure
    .input(ticketCreateInput)
    .mutation(({ input, ctx }) => createTicket(input, ctx.agent, ctx.services)),

  update: agentProcedure
    .input(ticketUpdateInput)
    .mutation(({ input, ctx }) => updateTicket(input, ctx.agent, ctx.services)),

  reply: agentProcedure
    .input(ticketReplyInput)
    .mutation(({ input, ctx }) => replyToTicket(input, ctx.agent, ctx.services)),

  typing: agentProcedure
    .input(ticketTypingInput)
    .mutation(({ input, ctx }) => relayAgentTyping(input, ctx.agent, ctx.services)),

  onEvent: agentProcedure.input(ticketEventsInput).subscription(({ input, ctx, signal }) =>
    streamDomainEvents(ctx.services.bus, {
      ticketId: input?.ticketId,
      // tRPC always passes one for subscriptions; a never-aborted one keeps the types honest.
      signal: signal ?? new AbortController().signal,
      logger: ctx.logger,
    }),
  ),
});
