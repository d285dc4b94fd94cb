import {
  agentCreateInput,
  chatMessagesInput,
  clientIdInput,
  metricsSummaryInput,
  ticketCreateInput,
  ticketListInput,
  ticketNoteInput,
  ticketRefInput,
  ticketReplyInput,
  ticketUpdateInput,
} from '../../shared/agentSchemas.js';
import { createAgent } from '../services/agents/manageAgents.js';
import { listSessionMessages } from '../services/chat/listMessages.js';
import { getCustomer, getCustomerHistory } from '../services/customers/readCustomers.js';
import { metricsSummary } from '../services/metrics/metricsSummary.js';
import { addNote } from '../services/tickets/addNote.js';
import { createTicket } from '../services/tickets/createTicket.js';
import { getTicket } from '../services/tickets/getTicket.js';
import { listTickets } from '../services/tickets/listTickets.js';
import { replyToTicket } from '../services/tickets/replyToTicket.js';
import { updateTicket } from '../services/tickets/updateTicket.js';
import { restOperation, type RestOperation } from './restOperation.js';

export const AGENT_REST_BASE = '/api/v1';

const ticketId = { id: 'The ticket id (UUID)' };

/**
 * The agent REST face (PROTOCOL §13): each endpoint is a tRPC procedure's twin — the same input
 * schema, the same service call, the same answer. Nothing here decides anything.
 */
export const agentRestOperations: RestOperation[] = [
  restOperation({
    method: 'get',
    path: '/api/v1/tickets',
    operationId: 'listTickets',
    tag: 'tickets',
    summary: 'List tickets, newest first (tickets.list)',
    description: 'Keyset-paged: pass `nextCursor` back as `cursor` for the next page.',
    input: ticketListInput,
    status: 200,
    responds: '`{ items: TicketListItem[], nextCursor: string | null }`',
    handle: (input, agent, ctx) => listTickets(input, agent, ctx),
  }),
  restOperation({
    method: 'post',
    path: '/api/v1/tickets',
    operationId: 'createTicket',
    tag: 'tickets',
    summary: 'Open a ticket of another channel (tickets.create)',
    input: ticketCreateInput,
    status: 201,
    responds: 'the Ticket',
    handle: (input, agent, ctx) => createTicket(input, agent, ctx),
  }),
  restOperation({
    method: 'get',
    path: '/api/v1/tickets/{id}',
    operationId: 'getTicket',
    tag: 'tickets',
    summary: 'A ticket by id or by number, with its customer, chats, audit trail and notes (tickets.get)',
    input: ticketRefInput,
    pathParams: { id: 'The ticket id (UUID) or its number (`123` for #123)' },
    toInput: ({ params }) => (/^\d{1,10}$/.test(params.id ?? '') ? { number: Number(params.id) } : { id: params.id }),
    status: 200,
    responds: 'the TicketDetail',
    handle: (input, _agent, ctx) => getTicket(input, ctx),
  }),
  restOperation({
    method: 'patch',
    path: '/api/v1/tickets/{id}',
    operationId: 'updateTicket',
    tag: 'tickets',
    summary: "Change a ticket's status, priority, category or assignee (tickets.update)",
    input: ticketUpdateInput,
    pathParams: ticketId,
    status: 200,
    responds: 'the Ticket',
    handle: (input, agent, ctx) => updateTicket(input, agent, ctx),
  }),
  restOperation({
    method: 'post',
    path: '/api/v1/tickets/{id}/replies',
    operationId: 'replyToTicket',
    tag: 'tickets',
    summary: "Reply in the ticket's chat (tickets.reply); the same clientMsgId again stores nothing new",
    input: ticketReplyInput,
    pathParams: ticketId,
    status: 201,
    responds: 'the Message (`senderType: "agent"`)',
    handle: (input, agent, ctx) => replyToTicket(input, agent, ctx),
  }),
  restOperation({
    method: 'post',
    path: '/api/v1/tickets/{id}/notes',
    operationId: 'addNote',
    tag: 'tickets',
    summary: 'Add a private note, for agents only (tickets.note)',
    input: ticketNoteInput,
    pathParams: ticketId,
    status: 201,
    responds: 'the Note',
    handle: (input, agent, ctx) => addNote(input, agent, ctx),
  }),
  restOperation({
    method: 'get',
    path: '/api/v1/chats/{sessionId}/messages',
    operationId: 'listChatMessages',
    tag: 'chats',
    summary: "A chat's messages after `afterSeq`, in seq order (chats.messages)",
    input: chatMessagesInput,
    pathParams: { sessionId: 'The chat session id (UUID)' },
    status: 200,
    responds: '`{ messages: Message[] }`',
    handle: (input, _agent, ctx) => listSessionMessages(input, ctx),
  }),
  restOperation({
    method: 'get',
    path: '/api/v1/clients/{id}',
    operationId: 'getClient',
    tag: 'clients',
    summary: 'A customer (clients.get)',
    input: clientIdInput,
    pathParams: { id: 'The customer id (UUID)' },
    status: 200,
    responds: 'the Client',
    handle: (input, _agent, ctx) => getCustomer(input.id, ctx),
  }),
  restOperation({
    method: 'get',
    path: '/api/v1/clients/{id}/history',
    operationId: 'getClientHistory',
    tag: 'clients',
    summary: 'Every ticket of every channel of a customer, and every chat, newest first (clients.history)',
    input: clientIdInput,
    pathParams: { id: 'The customer id (UUID)' },
    status: 200,
    responds: '`{ client, tickets, chatSessions }`',
    handle: (input, _agent, ctx) => getCustomerHistory(input.id, ctx),
  }),
  restOperation({
    method: 'get',
    path: '/api/v1/metrics/summary',
    operationId: 'metricsSummary',
    tag: 'metrics',
    summary: 'Figures over a time range (metrics.summary)',
    input: metricsSummaryInput,
    status: 200,
    responds: 'the MetricsSummary',
    handle: (input, _agent, ctx) => metricsSummary({ from: input?.from, to: input?.to }, ctx),
  }),
  restOperation({
    method: 'post',
    path: '/api/v1/agents',
    operationId: 'createAgent',
    tag: 'agents',
    summary: 'Create an agent and its API token, shown once (agents.create; admins only)',
    input: agentCreateInput,
    admin: true,
    status: 201,
    responds: '`{ agent, token }`',
    handle: (input, _agent, ctx) => createAgent(input, ctx),
  }),
];
