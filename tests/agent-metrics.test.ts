import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import {
  chatMessages,
  chatSessions,
  ticketEvents,
  tickets,
  type ChatMessageRow,
  type ChatSessionRow,
  type TicketEventRow,
  type TicketRow,
} from '../server/db/schema.js';
import { ticketsRepository } from '../server/repositories/tickets.js';
import { startChat } from '../server/services/chat/startChat.js';
import type { MetricsSummary } from '../shared/agentApi.js';
import { TICKET_SOURCES, type TicketSource, type TicketStatus } from '../shared/tickets.js';
import { agentClient, expectTrpcError, newAdminToken, type AgentClient } from './support/agent.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { MANUAL_ROUTING, useTestNode } from './support/suite.js';

interface Seed {
  customer: string;
  source: TicketSource;
  createdAt: string;
  status: TicketStatus;
  resolvedAt?: string;
  closedAt?: string;
  // Chats (§8): messages at seconds after the ticket's creation, in its first session.
  messages?: Array<[ChatMessageRow['senderType'], number]>;
  /** How the first session ended; `unanswered` as the closing statement would have marked it. */
  ended?: { reason: 'client' | 'timeout'; unanswered: boolean };
  /** The visitor's rating of the chat (PROTOCOL §9). */
  rating?: number;
  /** A second chat of the same ticket: its messages, and it ended unanswered by timeout. */
  laterChat?: Array<[ChatMessageRow['senderType'], number]>;
  assignee?: 'X' | 'Y';
  /** A `ticket.assigned` audit row this many seconds after creation. */
  assignedAfterS?: number;
  /** A `ticket.updated` audit row of that agent setting RESOLVED. */
  resolvedBy?: 'X' | 'Y';
}

const FROM = '2001-03-01T00:00:00.000Z';
const TO = '2001-04-01T00:00:00.000Z';

// Tickets placed in March 2001, where nothing else in this file's database lives.
const SEED: Seed[] = [
  {
    customer: 'A',
    source: 'chat',
    createdAt: '2001-03-02T10:00:00Z',
    status: 'RESOLVED',
    resolvedAt: '2001-03-02T10:30:00Z',
    // The bot answers first (it does not count), X answers after 60 s.
    messages: [['client', 0], ['bot', 5], ['agent', 60], ['client', 70], ['agent', 80]],
    ended: { reason: 'client', unanswered: false },
    rating: 5,
    // The customer comes back an hour later in a second chat of the same ticket; nobody answers.
    laterChat: [['client', 3600]],
    assignee: 'X',
    assignedAfterS: 30,
    resolvedBy: 'X',
  },
  { customer: 'A', source: 'email', createdAt: '2001-03-05T00:00:00Z', status: 'OPEN' },
  { customer: 'B', source: 'chat', createdAt: '2001-02-10T00:00:00Z', status: 'CLOSED', closedAt: '2001-02-11T00:00:00Z' },
  { customer: 'B', source: 'phone', createdAt: '2001-03-10T08:00:00Z', status: 'CLOSED', closedAt: '2001-03-10T09:00:00Z' },
  {
    customer: 'C',
    source: 'chat',
    createdAt: '2001-03-15T00:00:00Z',
    status: 'PENDING',
    // An agent message before the customer wrote is not a response; Y's at 120 s is.
    messages: [['agent', -10], ['client', 0], ['agent', 120]],
    assignee: 'Y',
    assignedAfterS: 90,
  },
  { customer: 'C', source: 'web', createdAt: '2001-04-05T00:00:00Z', status: 'OPEN' },
  {
    customer: 'D',
    source: 'chat',
    createdAt: '2001-03-20T12:00:00Z',
    status: 'CLOSED',
    resolvedAt: '2001-03-20T13:00:00Z',
    closedAt: '2001-03-21T00:00:00Z',
    messages: [['client', 0], ['agent', 10]],
    assignee: 'X',
    resolvedBy: 'Y',
  },
  { customer: 'E', source: 'api', createdAt: '2001-03-25T00:00:00Z', status: 'RESOLVED', resolvedAt: '2001-03-26T06:00:00Z', resolvedBy: 'X' },
  { customer: 'E', source: 'email', createdAt: '2001-03-31T23:59:59Z', status: 'OPEN' },
  // A walk-away: the bot answered, the visitor left without closing.
  { customer: 'F', source: 'chat', createdAt: FROM, status: 'OPEN', messages: [['client', 0], ['bot', 2]], ended: { reason: 'timeout', unanswered: true } },
  {
    customer: 'G',
    source: 'chat',
    createdAt: TO,
    status: 'RESOLVED',
    resolvedAt: '2001-04-01T01:00:00Z',
    messages: [['client', 0], ['agent', 5]],
    assignee: 'X',
    assignedAfterS: 1,
    resolvedBy: 'X',
  },
  // Reopened after a resolution: not resolved now, but its handling time counts.
  { customer: 'G', source: 'web', createdAt: '2001-03-12T00:00:00Z', status: 'OPEN', resolvedAt: '2001-03-12T00:00:10Z' },
  // The bot answered and the visitor closed: bot-resolved, and unanswered by an agent.
  { customer: 'H', source: 'chat', createdAt: '2001-03-28T00:00:00Z', status: 'OPEN', messages: [['client', 0], ['bot', 3]], ended: { reason: 'client', unanswered: true }, rating: 2 },
];

type Row = Pick<TicketRow, 'id' | 'clientId' | 'source' | 'status' | 'createdAt' | 'resolvedAt' | 'closedAt' | 'escalated' | 'firstResponseAt' | 'assigneeId'>;

/** What the figures are computed from: the rows, read back from the database. */
interface Data {
  tickets: Row[];
  sessions: ChatSessionRow[];
  messages: ChatMessageRow[];
  events: TicketEventRow[];
}

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return Math.round(sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower));
}

const mean = (values: number[]) => (values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length));

/** The figures as PROTOCOL and the docs define them, computed in plain TypeScript. */
function expectedSummary(data: Data, from?: Date, to?: Date): MetricsSummary {
  const rows = data.tickets;
  const inRange = rows.filter((r) => (!from || r.createdAt >= from) && (!to || r.createdAt < to));
  const perSource = (pick: (rows: Row[]) => number | null) =>
    Object.fromEntries(TICKET_SOURCES.map((s) => [s, pick(inRange.filter((r) => r.source === s))])) as Record<TicketSource, number | null>;
  const customers = new Set(inRange.map((r) => r.clientId));
  const chats = inRange.filter((r) => r.source === 'chat');
  const sessionsOf = (ticketId: string) => data.sessions.filter((s) => s.ticketId === ticketId);
  const messagesOf = (sessionId: string) => data.messages.filter((m) => m.sessionId === sessionId);
  // First customer message to the first agent message after it, per session.
  const responseMs = (sessionId: string): number | null => {
    const firstAt = (type: string, after = 0) =>
      Math.min(...messagesOf(sessionId).filter((m) => m.senderType === type && m.createdAt.getTime() >= after).map((m) => m.createdAt.getTime()));
    const customer = firstAt('client');
    const agent = Number.isFinite(customer) ? firstAt('agent', customer) : Infinity;
    return Number.isFinite(agent) ? agent - customer : null;
  };
  const responsesOf = (ticketsOf: Row[]) =>
    ticketsOf.flatMap((t) => sessionsOf(t.id).map((s) => responseMs(s.id))).filter((v): v is number => v !== null);
  const responses = responsesOf(chats);
  const queueWaits = chats.flatMap((t) => {
    const assigned = data.events
      .filter((e) => e.ticketId === t.id && e.type === 'ticket.assigned' && (e.data as { assigneeId?: string }).assigneeId)
      .map((e) => e.createdAt.getTime());
    return assigned.length > 0 ? [Math.min(...assigned) - t.createdAt.getTime()] : [];
  });
  const agentIds = new Set([
    ...chats.flatMap((t) => (t.assigneeId ? [t.assigneeId] : [])),
    ...data.events.filter((e) => e.actorType === 'agent').map((e) => e.actorId!),
  ]);
  const resolvedBy = (agentId: string) =>
    inRange.filter((t) =>
      data.events.some(
        (e) =>
          e.ticketId === t.id &&
          e.type === 'ticket.updated' &&
          e.actorId === agentId &&
          (e.data as { changes?: { status?: { to?: string } } }).changes?.status?.to === 'RESOLVED',
      ),
    ).length;
  const byAgent = [...agentIds]
    .map((agentId) => {
      const assigned = chats.filter((t) => t.assigneeId === agentId);
      return { agentId, chats: assigned.length, firstResponseMsP50: percentile(responsesOf(assigned), 0.5), resolved: resolvedBy(agentId) };
    })
    .filter((a) => a.chats > 0 || a.resolved > 0)
    .sort((a, b) => b.chats - a.chats || b.resolved - a.resolved || a.agentId.localeCompare(b.agentId));
  // Sessions that ended (or were rated), offline ones aside; CSAT over them.
  const ratable = chats.flatMap((t) => sessionsOf(t.id)).filter((s) => !s.offline && (s.status === 'closed' || s.ratedAt));
  const scores = ratable.flatMap((s) => (s.ratingScore ? [s.ratingScore] : []));
  return {
    csat: {
      avg: scores.length === 0 ? null : Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100,
      responses: scores.length,
      responseRate: ratable.length === 0 ? null : scores.length / ratable.length,
    },
    chatTickets: chats.length,
    ticketsBySource: perSource((rs) => rs.length) as Record<TicketSource, number>,
    resolutionRateBySource: perSource((rs) =>
      rs.length === 0 ? null : rs.filter((r) => r.status === 'RESOLVED' || r.status === 'CLOSED').length / rs.length,
    ),
    avgHandleTimeMsBySource: perSource((rs) => {
      const handled = rs.filter((r) => r.resolvedAt ?? r.closedAt);
      if (handled.length === 0) return null;
      const total = handled.reduce((sum, r) => sum + ((r.resolvedAt ?? r.closedAt)!.getTime() - r.createdAt.getTime()), 0);
      return Math.round(total / handled.length);
    }),
    returningClients: [...customers].filter(
      (id) => rows.filter((r) => r.clientId === id && (!to || r.createdAt < to)).length > 1,
    ).length,
    // No assistant on this node: nothing escalated.
    escalatedChats: 0,
    escalationRate: chats.length > 0 ? 0 : null,
    avgEscalationConfidence: null,
    // The bot answered, the visitor closed; no escalation and no agent reply.
    botResolvedChats: chats.filter(
      (t) =>
        !t.escalated &&
        !t.firstResponseAt &&
        sessionsOf(t.id).some((s) => s.closeReason === 'client' && messagesOf(s.id).some((m) => m.senderType === 'bot')),
    ).length,
    firstResponseMs: { avg: mean(responses), p50: percentile(responses, 0.5), p90: percentile(responses, 0.9) },
    unansweredChats: chats.flatMap((t) => sessionsOf(t.id)).filter((s) => s.unanswered).length,
    avgQueueWaitMs: mean(queueWaits),
    byAgent,
  };
}

describeOnEachDriver('agent API: metrics', (db) => {
  const adminToken = newAdminToken();
  let agent: AgentClient;
  const agentIds: Record<'X' | 'Y', string> = { X: '', Y: '' };
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken }, { automations: MANUAL_ROUTING });
  const readData = async (): Promise<Data> => {
    const handle = db().handle.db;
    return {
      tickets: await handle.select().from(tickets),
      sessions: await handle.select().from(chatSessions),
      messages: await handle.select().from(chatMessages),
      events: await handle.select().from(ticketEvents),
    };
  };
  beforeAll(async () => {
    agent = agentClient(node().url, adminToken);
    for (const name of ['X', 'Y'] as const) {
      const created = await agent.agents.create.mutate({ name: `Metrics ${name}`, email: uniqueContact().email, role: 'agent' });
      agentIds[name] = created.agent.id;
    }
    const contacts = new Map<string, ReturnType<typeof uniqueContact>>();
    for (const seed of SEED) {
      if (!contacts.has(seed.customer)) contacts.set(seed.customer, uniqueContact(`Metrics ${seed.customer}`));
      const contact = contacts.get(seed.customer)!;
      const chat =
        seed.source === 'chat' ? (await startChat({ name: contact.name, email: contact.email, phone: contact.e164 }, node().ctx)).chat : undefined;
      const ticketId =
        chat?.ticketId ??
        (await agent.tickets.create.mutate({ subject: 'seed', source: seed.source as Exclude<TicketSource, 'chat'>, client: { email: contact.email } })).id;
      await seedTicket(seed, ticketId, chat);
    }
    // Which tickets are a returning customer's, by the back-dated creation times (as creation keeps it).
    const seeded = await db().handle.db.select({ clientId: tickets.clientId }).from(tickets);
    for (const clientId of new Set(seeded.map((row) => row.clientId))) await ticketsRepository.markReturning(db().handle.db, clientId);
  });

  /** Back-dated directly: the API stamps times with now(). */
  async function seedTicket(seed: Seed, ticketId: string, chat?: { sessionId: string; clientId: string }) {
    const handle = db().handle.db;
    const at = (seconds: number) => new Date(new Date(seed.createdAt).getTime() + seconds * 1000);
    const firstAgent = seed.messages?.find(([type]) => type === 'agent');
    await handle
      .update(tickets)
      .set({
        createdAt: new Date(seed.createdAt),
        status: seed.status,
        resolvedAt: seed.resolvedAt ? new Date(seed.resolvedAt) : null,
        closedAt: seed.closedAt ? new Date(seed.closedAt) : null,
        firstResponseAt: firstAgent ? at(firstAgent[1]) : null,
        assigneeId: seed.assignee ? agentIds[seed.assignee] : null,
      })
      .where(eq(tickets.id, ticketId));
    // The sessions keep their ticket's creation time (reports select chats by it).
    await handle.update(chatSessions).set({ ticketCreatedAt: new Date(seed.createdAt) }).where(eq(chatSessions.ticketId, ticketId));
    const writeMessages = async (sessionId: string, messages: Array<[ChatMessageRow['senderType'], number]>) => {
      for (const [i, [senderType, seconds]] of messages.entries()) {
        await handle.insert(chatMessages).values({ sessionId, seq: i + 1, senderType, body: `${senderType} ${seconds}`, createdAt: at(seconds) });
      }
      // The first-response facts the message writes would have kept, back-dated with the messages.
      const customer = messages.findIndex(([type]) => type === 'client');
      const reply = customer < 0 ? undefined : messages.slice(customer).find(([type]) => type === 'agent');
      await handle
        .update(chatSessions)
        .set({ firstCustomerMessageAt: customer < 0 ? null : at(messages[customer]![1]), firstAgentReplyAt: reply ? at(reply[1]) : null })
        .where(eq(chatSessions.id, sessionId));
    };
    if (chat && seed.messages) await writeMessages(chat.sessionId, seed.messages);
    if (chat && seed.ended) {
      await handle
        .update(chatSessions)
        .set({
          status: 'closed',
          closeReason: seed.ended.reason,
          unanswered: seed.ended.unanswered,
          endedAt: at(600),
          ...(seed.rating ? { ratingScore: seed.rating, ratedAt: at(700) } : {}),
        })
        .where(eq(chatSessions.id, chat.sessionId));
    }
    if (chat && seed.laterChat) {
      const [later] = await handle
        .insert(chatSessions)
        .values({
          clientId: chat.clientId,
          ticketId,
          ticketCreatedAt: new Date(seed.createdAt),
          userName: 'later',
          userEmail: 'later@example.com',
          userPhone: '+5511999999999',
          resumeTokenHash: 'x',
          status: 'closed',
          closeReason: 'timeout',
          unanswered: true,
          startedAt: at(3600),
        })
        .returning();
      await writeMessages(later!.id, seed.laterChat);
    }
    if (seed.assignedAfterS !== undefined) {
      await handle.insert(ticketEvents).values({
        ticketId,
        actorType: 'system',
        type: 'ticket.assigned',
        data: { assigneeId: agentIds[seed.assignee!], previousAssigneeId: null },
        createdAt: at(seed.assignedAfterS),
      });
    }
    if (seed.resolvedBy) {
      await handle.insert(ticketEvents).values({
        ticketId,
        actorType: 'agent',
        actorId: agentIds[seed.resolvedBy],
        type: 'ticket.updated',
        data: { changes: { status: { from: 'OPEN', to: 'RESOLVED' } } },
        createdAt: at(1200),
      });
    }
  }

  it('figures over a range match an independent computation of the seeded tickets', async () => {
    const summary = await agent.metrics.summary.query({ from: FROM, to: TO });
    const expected = expectedSummary(await readData(), new Date(FROM), new Date(TO));
    expect(summary).toEqual(expected);
    // And what that is, spelled out, so the helper itself is checked.
    expect(summary).toEqual({
      // A (5) and H (2) rated, of the four chats that ended: A's two, F's and H's.
      csat: { avg: 3.5, responses: 2, responseRate: 0.5 },
      chatTickets: 5, // A, C, D, F (created exactly at `from`) and H; G's is exactly at `to`, outside
      ticketsBySource: { chat: 5, email: 2, phone: 1, web: 1, api: 1 },
      resolutionRateBySource: { chat: 2 / 5, email: 0, phone: 1, web: 0, api: 1 },
      avgHandleTimeMsBySource: {
        chat: (30 * 60_000 + 60 * 60_000) / 2,
        email: null,
        phone: 60 * 60_000,
        web: 10_000,
        api: 30 * 3_600_000,
      },
      // A and E (two in range), B (one before); C's second and G's second are not before `to`.
      returningClients: 3,
      escalatedChats: 0,
      escalationRate: 0,
      avgEscalationConfidence: null,
      // H (bot answered, visitor closed); F walked away.
      botResolvedChats: 1,
      // A 60 s, C 120 s (not its agent message before the customer's), D 10 s.
      firstResponseMs: { avg: Math.round((60_000 + 120_000 + 10_000) / 3), p50: 60_000, p90: 108_000 }, // p90: 60 s + 0.8 × (120 s − 60 s),
      // A's second chat, F and H.
      unansweredChats: 3,
      // A assigned after 30 s, C after 90 s; D never through an assignment row.
      avgQueueWaitMs: 60_000,
      byAgent: [
        // X: A and D (p50 of 60 s and 10 s); resolved A and E's api ticket (G is outside).
        { agentId: agentIds.X, chats: 2, firstResponseMsP50: 35_000, resolved: 2 },
        // Y: C; resolved D though assigned to X.
        { agentId: agentIds.Y, chats: 1, firstResponseMsP50: 120_000, resolved: 1 },
      ],
    });
  });

  it('an open-ended range, and no range at all, count everything on their side', async () => {
    const all = await readData();
    expect(await agent.metrics.summary.query({ from: FROM })).toEqual(expectedSummary(all, new Date(FROM)));
    expect(await agent.metrics.summary.query({ to: TO })).toEqual(expectedSummary(all, undefined, new Date(TO)));
    expect(await agent.metrics.summary.query()).toEqual(expectedSummary(all));
  });

  it('refuses a range that is not ISO datetimes or ends before it starts', async () => {
    await expectTrpcError(agent.metrics.summary.query({ from: 'yesterday' }), 'BAD_REQUEST');
    const reversed = await expectTrpcError(agent.metrics.summary.query({ from: TO, to: FROM }), 'BAD_REQUEST');
    expect(reversed.data?.fields).toHaveProperty('to');
  });
});
