import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { tickets, type TicketRow } from '../server/db/schema.js';
import { startChat } from '../server/services/chat/startChat.js';
import type { MetricsSummary } from '../shared/agentApi.js';
import { TICKET_SOURCES, type TicketSource, type TicketStatus } from '../shared/tickets.js';
import { agentClient, expectTrpcError, newAdminToken, type AgentClient } from './support/agent.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useTestNode } from './support/suite.js';

interface Seed {
  customer: string;
  source: TicketSource;
  createdAt: string;
  status: TicketStatus;
  resolvedAt?: string;
  closedAt?: string;
}

const FROM = '2001-03-01T00:00:00.000Z';
const TO = '2001-04-01T00:00:00.000Z';

// Tickets placed in March 2001, where nothing else in this file's database lives.
const SEED: Seed[] = [
  { customer: 'A', source: 'chat', createdAt: '2001-03-02T10:00:00Z', status: 'RESOLVED', resolvedAt: '2001-03-02T10:30:00Z' },
  { customer: 'A', source: 'email', createdAt: '2001-03-05T00:00:00Z', status: 'OPEN' },
  { customer: 'B', source: 'chat', createdAt: '2001-02-10T00:00:00Z', status: 'CLOSED', closedAt: '2001-02-11T00:00:00Z' },
  { customer: 'B', source: 'phone', createdAt: '2001-03-10T08:00:00Z', status: 'CLOSED', closedAt: '2001-03-10T09:00:00Z' },
  { customer: 'C', source: 'chat', createdAt: '2001-03-15T00:00:00Z', status: 'PENDING' },
  { customer: 'C', source: 'web', createdAt: '2001-04-05T00:00:00Z', status: 'OPEN' },
  {
    customer: 'D',
    source: 'chat',
    createdAt: '2001-03-20T12:00:00Z',
    status: 'CLOSED',
    resolvedAt: '2001-03-20T13:00:00Z',
    closedAt: '2001-03-21T00:00:00Z',
  },
  { customer: 'E', source: 'api', createdAt: '2001-03-25T00:00:00Z', status: 'RESOLVED', resolvedAt: '2001-03-26T06:00:00Z' },
  { customer: 'E', source: 'email', createdAt: '2001-03-31T23:59:59Z', status: 'OPEN' },
  { customer: 'F', source: 'chat', createdAt: FROM, status: 'OPEN' },
  { customer: 'G', source: 'chat', createdAt: TO, status: 'RESOLVED', resolvedAt: '2001-04-01T01:00:00Z' },
  // Reopened after a resolution: not resolved now, but its handling time counts.
  { customer: 'G', source: 'web', createdAt: '2001-03-12T00:00:00Z', status: 'OPEN', resolvedAt: '2001-03-12T00:00:10Z' },
];

type Row = Pick<TicketRow, 'clientId' | 'source' | 'status' | 'createdAt' | 'resolvedAt' | 'closedAt'>;

/** The figures as PROTOCOL and the docs define them, computed in plain TypeScript. */
function expectedSummary(rows: Row[], from?: Date, to?: Date): MetricsSummary {
  const inRange = rows.filter((r) => (!from || r.createdAt >= from) && (!to || r.createdAt < to));
  const perSource = (pick: (rows: Row[]) => number | null) =>
    Object.fromEntries(TICKET_SOURCES.map((s) => [s, pick(inRange.filter((r) => r.source === s))])) as Record<TicketSource, number | null>;
  const customers = new Set(inRange.map((r) => r.clientId));
  return {
    chatTickets: inRange.filter((r) => r.source === 'chat').length,
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
    // No assistant on this node: nothing escalated, nothing answered by a bot.
    escalatedChats: 0,
    escalationRate: inRange.some((r) => r.source === 'chat') ? 0 : null,
    avgEscalationConfidence: null,
    botResolvedChats: 0,
  };
}

describeOnEachDriver('agent API: metrics', (db) => {
  const adminToken = newAdminToken();
  let agent: AgentClient;
  const seeded: Row[] = [];
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    agent = agentClient(node().url, adminToken);
    const contacts = new Map<string, ReturnType<typeof uniqueContact>>();
    for (const seed of SEED) {
      if (!contacts.has(seed.customer)) contacts.set(seed.customer, uniqueContact(`Metrics ${seed.customer}`));
      const contact = contacts.get(seed.customer)!;
      const ticketId =
        seed.source === 'chat'
          ? (await startChat({ name: contact.name, email: contact.email, phone: contact.e164 }, node().ctx)).started.ticketId
          : (await agent.tickets.create.mutate({ subject: 'seed', source: seed.source, client: { email: contact.email } })).id;
      // Back-dated directly: the API stamps times with now().
      const [row] = await db()
        .handle.db.update(tickets)
        .set({
          createdAt: new Date(seed.createdAt),
          status: seed.status,
          resolvedAt: seed.resolvedAt ? new Date(seed.resolvedAt) : null,
          closedAt: seed.closedAt ? new Date(seed.closedAt) : null,
        })
        .where(eq(tickets.id, ticketId))
        .returning();
      seeded.push(row!);
    }
  });

  it('figures over a range match an independent computation of the seeded tickets', async () => {
    const summary = await agent.metrics.summary.query({ from: FROM, to: TO });
    const expected = expectedSummary(seeded, new Date(FROM), new Date(TO));
    expect(summary).toEqual(expected);
    // And what that is, spelled out, so the helper itself is checked.
    expect(summary).toEqual({
      chatTickets: 4, // A, C, D and F (created exactly at `from`); G's is exactly at `to`, outside
      ticketsBySource: { chat: 4, email: 2, phone: 1, web: 1, api: 1 },
      resolutionRateBySource: { chat: 2 / 4, email: 0, phone: 1, web: 0, api: 1 },
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
      botResolvedChats: 0,
    });
  });

  it('an open-ended range, and no range at all, count everything on their side', async () => {
    const all = await db().handle.db.select().from(tickets);
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
