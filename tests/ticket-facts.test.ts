import { inArray } from 'drizzle-orm';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { ticketEvents, type TicketEventRow } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import { closeChat } from '../server/services/chat/closeChat.js';
import { postMessage } from '../server/services/chat/postMessage.js';
import { startChat } from '../server/services/chat/startChat.js';
import type { DomainEvent } from '../shared/events.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { newClientMsgId, uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { rateChat } from '../server/services/chat/rateChat.js';

/**
 * The audit trail and the events agents and webhooks receive are two views of the same facts.
 * Every service that changes a ticket runs here once; then every audit row must be explained by
 * an event published for it, and every event of a ticket change by an audit row, with the
 * values they share equal. A service whose audit row and event were built apart (and drifted)
 * fails this test.
 */

/** Whether `row` records the fact `event` announces: same ticket, and equal shared values. */
function explains(event: DomainEvent, row: TicketEventRow): boolean {
  if (event.ticketId !== row.ticketId) return false;
  const data = row.data as Record<string, unknown>;
  const byAgent = (actorId: string | undefined) => (actorId ? row.actorType === 'agent' && row.actorId === actorId : row.actorType !== 'agent');
  switch (event.type) {
    case 'ticket.created':
      return (
        row.type === 'ticket.created' &&
        byAgent(event.actorId) &&
        (event.actorId !== undefined || row.actorId === event.clientId) &&
        data.source === event.source &&
        data.returningClient === event.returningClient &&
        data.matchedBy === event.matchedBy &&
        data.sessionId === event.sessionId &&
        data.verified === event.verified
      );
    case 'ticket.updated': {
      if (!byAgent(event.actorId)) return false;
      const changes = Object.entries(event.changes);
      if (row.type === 'ticket.updated') {
        const audited = Object.entries(data.changes as Record<string, unknown>);
        // Agents' edits keep a row per field: each row's change is one of the event's.
        return audited.length > 0 && audited.every(([field, change]) => isDeepStrictEqual(event.changes[field as keyof typeof event.changes], change));
      }
      if (row.type === 'client.suggestion_accepted') {
        return isDeepStrictEqual(changes, [[`client.${String(data.field)}`, { from: null, to: data.value }]]);
      }
      if (row.type === 'clients.merged') {
        return isDeepStrictEqual(changes, [['clientId', { from: data.sourceId, to: data.targetId }]]);
      }
      return false;
    }
    case 'chat.closed':
      return row.type === 'chat.closed' && data.sessionId === event.sessionId && data.reason === event.reason;
    case 'chat.abandoned':
      return (
        row.type === 'chat.abandoned' &&
        data.sessionId === event.sessionId &&
        data.reason === event.reason &&
        data.escalated === event.escalated
      );
    case 'chat.escalated':
      return (
        row.type === 'chat.escalated' &&
        row.actorType === 'system' &&
        data.sessionId === event.sessionId &&
        data.confidence === event.confidence &&
        data.reason === event.reason
      );
    case 'message.created':
      // Only agents' messages are audited (the message itself is the customer's record).
      return row.type === 'message.created' && data.messageId === event.message.id && data.seq === event.message.seq;
    case 'chat.typing':
      return false;
    case 'note.created':
      return row.type === 'note.created' && byAgent(event.note.agentId) && data.noteId === event.note.id;
    case 'ticket.assigned':
      return row.type === 'ticket.assigned' && byAgent(event.actorId) && data.assigneeId === event.assigneeId && data.previousAssigneeId === event.previousAssigneeId;
    case 'client.erased':
      return row.type === 'client.erased' && byAgent(event.actorId) && data.clientId === event.clientId;
    case 'ticket.rated':
      return row.type === 'ticket.rated' && row.actorType === 'client' && data.sessionId === event.sessionId && data.score === event.score && data.comment === event.comment;
  }
}

/** Events that must leave an audit row: changes of a ticket, and agents' messages. */
function audited(event: DomainEvent): boolean {
  if (event.type === 'chat.typing') return false;
  if (event.type === 'message.created') return event.message.senderType === 'agent';
  return true;
}

describeOnEachDriver('ticket facts: audit rows and events agree', (db) => {
  const adminToken = newAdminToken();
  let node: AtendeNode;
  let agent: AgentClient;
  let agentId: string;
  const events: DomainEvent[] = [];
  beforeAll(async () => {
    node = await startTestNode(
      db().handle,
      { ADMIN_TOKEN: adminToken },
      {
        automations: parseAutomations({
          closeTicketOnChatEnd: 'RESOLVED',
          assistant: { faq: [{ question: 'Qual o prazo de entrega?', answer: 'Até 5 dias úteis.' }], handoffKeywords: ['atendente'] },
          categories: [{ category: 'Financeiro', keywords: ['boleto'] }],
        }),
      },
    );
    const created = await agentClient(node.url, adminToken).agents.create.mutate({ name: 'Fact Agent', email: uniqueContact().email, role: 'agent' });
    agent = agentClient(node.url, created.token);
    agentId = created.agent.id;
    node.ctx.bus.subscribe((event) => events.push(event));
  });
  afterAll(() => node?.stop());

  it('every service that changes a ticket writes the audit row its event announces, and nothing else', async () => {
    // A chat: opened, categorized and escalated by the automations, edited and answered by an agent, closed.
    const visitor = uniqueContact('Fato Chat');
    const { chat } = await startChat({ name: visitor.name, email: visitor.email, phone: visitor.e164 }, node.ctx);
    await postMessage(chat, { type: 'client', name: visitor.name }, { body: 'meu boleto, quero um atendente', clientMsgId: newClientMsgId() }, node.ctx);
    await node.automations.idle();
    await agent.tickets.update.mutate({ id: chat.ticketId, status: 'PENDING', priority: 'URGENT', category: 'Cobrança' });
    await agent.tickets.reply.mutate({ id: chat.ticketId, body: 'Olá, já vejo.', clientMsgId: newClientMsgId() });
    await agent.tickets.note.mutate({ id: chat.ticketId, body: 'Nota interna' });
    // By tickets.assign and by tickets.update's assigneeId, one fact each.
    await agent.tickets.assign.mutate({ id: chat.ticketId, assigneeId: agentId });
    await agent.tickets.update.mutate({ id: chat.ticketId, assigneeId: null });
    await closeChat(chat, { reason: 'agent', actorType: 'agent', actorId: agentId, note: 'resolvido' }, node.ctx);

    // A chat the visitor leaves before any agent answered: abandoned, the ticket stays open.
    const walker = uniqueContact('Fato Desiste');
    const left = await startChat({ name: walker.name, email: walker.email, phone: walker.e164 }, node.ctx);
    await closeChat(left.chat, { reason: 'client', actorType: 'client', actorId: left.chat.clientId }, node.ctx);
    await rateChat(left.chat, { score: 2, comment: 'Ninguém respondeu' }, node.ctx);

    // Tickets of other channels, a contact suggestion accepted, and two customers merged.
    const phoneOnly = uniqueContact('Fato Telefone');
    const byPhone = await agent.tickets.create.mutate({ subject: 'Ligação', source: 'phone', client: { phone: phoneOnly.e164 } });
    const typed = uniqueContact('Fato Telefone');
    const suggesting = await startChat({ name: typed.name, email: typed.email, phone: phoneOnly.e164 }, node.ctx);
    await agent.clients.acceptSuggestion.mutate({ sessionId: suggesting.chat.sessionId, field: 'email' });
    const duplicate = await agent.tickets.create.mutate({ subject: 'E-mail', source: 'email', client: { email: uniqueContact().email } });
    await agent.clients.merge.mutate({ sourceId: duplicate.client.id, targetId: byPhone.client.id });
    // A customer erased (LGPD); its trail is rewritten, so it is one whose rows hold no personal data.
    const erasedContact = uniqueContact('Fato Apagado');
    const erased = await startChat({ name: erasedContact.name, email: erasedContact.email, phone: erasedContact.e164 }, node.ctx);
    await agentClient(node.url, adminToken).clients.erase.mutate({ id: erased.chat.clientId });
    await new Promise((resolve) => setImmediate(resolve)); // the bus delivers on a later tick

    const ticketIds = [chat.ticketId, left.chat.ticketId, byPhone.id, suggesting.chat.ticketId, duplicate.id, erased.chat.ticketId];
    const ours = events.filter((event) => ticketIds.includes(event.ticketId));
    const rows = await db().handle.db.select().from(ticketEvents).where(inArray(ticketEvents.ticketId, ticketIds));

    // Every kind of fact took part.
    expect(new Set(ours.map((event) => event.type))).toEqual(
      new Set(['ticket.created', 'ticket.updated', 'message.created', 'chat.closed', 'chat.escalated', 'note.created', 'ticket.assigned', 'chat.abandoned', 'ticket.rated', 'client.erased']),
    );
    expect(new Set(rows.map((row) => row.type))).toEqual(
      new Set([
        'ticket.created', 'ticket.updated', 'message.created', 'chat.closed', 'chat.escalated', 'client.suggestion_accepted', 'clients.merged',
        'note.created', 'ticket.assigned', 'chat.abandoned', 'ticket.rated', 'client.erased',
      ]),
    );
    const unexplainedRows = rows.filter((row) => !ours.some((event) => explains(event, row)));
    expect(unexplainedRows).toEqual([]);
    const unauditedEvents = ours.filter((event) => audited(event) && !rows.some((row) => explains(event, row)));
    expect(unauditedEvents).toEqual([]);
    // One event per fact: the agent's edit of three fields is one event over three rows.
    const edit = ours.filter((event) => event.type === 'ticket.updated' && event.actorId === agentId && event.ticketId === chat.ticketId);
    expect(edit).toHaveLength(1);
    expect(rows.filter((row) => row.type === 'ticket.updated' && row.actorId === agentId)).toHaveLength(3);
  });
});
