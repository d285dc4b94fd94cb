import { beforeAll, expect, it } from 'vitest';
import type { TimeseriesBucket } from '../shared/agentApi.js';
import { TICKET_SOURCES, type TicketSource } from '../shared/tickets.js';
import { agentClient, expectTrpcError, newAdminToken, type AgentClient } from './support/agent.js';
import { describeOnEachDriver } from './support/databases.js';
import { seedReportTickets, type ReportSeed } from './support/reportSeed.js';
import { MANUAL_ROUTING, useTestNode } from './support/suite.js';

/**
 * PROTOCOL §12 `metrics.timeseries`: buckets against counts worked out by hand, across
 * daylight-saving changes (a 25-hour day and its repeated hour in New York, a 23-hour day whose
 * midnight never happened in São Paulo) and a half-hour zone; and the buckets add up to
 * `metrics.summary` over the same range.
 */

// New York, autumn 2002: clocks went back at 02:00 EDT on Sunday 27 October (06:00Z).
const NEW_YORK: ReportSeed[] = [
  { source: 'chat', createdAt: '2002-10-27T03:59:59Z', status: 'RESOLVED', answeredAfterS: 30 }, // Sat 26 23:59:59 EDT
  { source: 'chat', createdAt: '2002-10-27T04:00:00Z', unanswered: true }, // Sun 27 00:00 EDT
  { source: 'chat', createdAt: '2002-10-27T05:30:00Z', status: 'RESOLVED', answeredAfterS: 10 }, // 01:30 EDT
  { source: 'chat', createdAt: '2002-10-27T06:30:00Z', answeredAfterS: 50 }, // 01:30 EST, the hour again
  { source: 'email', createdAt: '2002-10-28T04:30:00Z', status: 'CLOSED' }, // Sun 27 23:30 EST (Mon 00:30 at the summer offset)
  { source: 'chat', createdAt: '2002-10-28T05:00:00Z', answeredAfterS: 90 }, // Mon 28 00:00 EST
  { source: 'phone', createdAt: '2002-10-26T03:00:00Z', status: 'RESOLVED' }, // before the range
  { source: 'web', createdAt: '2002-10-29T05:00:00Z' }, // exactly at its end: outside
];

// São Paulo, spring 2018: on Sunday 4 November clocks went from 00:00 to 01:00 (03:00Z).
const SAO_PAULO: ReportSeed[] = [
  { source: 'api', createdAt: '2018-11-04T02:30:00Z' }, // Sat 3 23:30 -03
  { source: 'chat', createdAt: '2018-11-04T03:00:00Z', answeredAfterS: 20 }, // Sun 4 01:00 -02, its first instant
  { source: 'chat', createdAt: '2018-11-05T01:30:00Z', status: 'CLOSED', unanswered: true }, // Sun 4 23:30 -02
  { source: 'email', createdAt: '2018-11-05T02:00:00Z' }, // Mon 5 00:00 -02
];

const zero = { chat: 0, email: 0, phone: 0, web: 0, api: 0 };
function bucket(start: string, fields: Partial<Omit<TimeseriesBucket, 'start' | 'chatsStarted'>> = {}): TimeseriesBucket {
  const ticketsBySource = { ...zero, ...fields.ticketsBySource };
  return { start, unanswered: 0, resolved: 0, firstResponseMsP50: null, csatAvg: null, ...fields, ticketsBySource, chatsStarted: ticketsBySource.chat };
}
const sum = (buckets: TimeseriesBucket[], pick: (b: TimeseriesBucket) => number) => buckets.reduce((total, b) => total + pick(b), 0);

describeOnEachDriver('agent API: metrics.timeseries', (db) => {
  const adminToken = newAdminToken();
  // Test nodes run with TZ=America/Sao_Paulo (tests/support/node.ts).
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken }, { automations: MANUAL_ROUTING });
  let agent: AgentClient;
  beforeAll(async () => {
    agent = agentClient(node().url, adminToken);
    await seedReportTickets(node(), db(), agent, [...NEW_YORK, ...SAO_PAULO]);
  });

  /** The buckets add up to the summary of the same range. */
  async function expectSumsEqualSummary(from: string, to: string, buckets: TimeseriesBucket[]) {
    const summary = await agent.metrics.summary.query({ from, to });
    expect(sum(buckets, (b) => b.chatsStarted)).toBe(summary.chatTickets);
    for (const source of TICKET_SOURCES) expect(sum(buckets, (b) => b.ticketsBySource[source]), source).toBe(summary.ticketsBySource[source]);
    expect(sum(buckets, (b) => b.unanswered)).toBe(summary.unansweredChats);
    const resolved = TICKET_SOURCES.reduce((total, s: TicketSource) => total + Math.round((summary.resolutionRateBySource[s] ?? 0) * summary.ticketsBySource[s]), 0);
    expect(sum(buckets, (b) => b.resolved)).toBe(resolved);
  }

  it('days in New York across the fall-back: a 25-hour Sunday, each ticket on its local day', async () => {
    const from = '2002-10-26T04:00:00Z';
    const to = '2002-10-29T05:00:00Z';
    const { buckets } = await agent.metrics.timeseries.query({ from, to, bucket: 'day', timeZone: 'America/New_York' });
    expect(buckets).toEqual([
      bucket('2002-10-26T04:00:00.000Z', { ticketsBySource: { ...zero, chat: 1 }, resolved: 1, firstResponseMsP50: 30_000 }),
      // 25 hours: the unanswered chat, the two 01:30s (10 s and 50 s), the e-mail at 23:30 EST.
      bucket('2002-10-27T04:00:00.000Z', { ticketsBySource: { ...zero, chat: 3, email: 1 }, unanswered: 1, resolved: 2, firstResponseMsP50: 30_000 }),
      bucket('2002-10-28T05:00:00.000Z', { ticketsBySource: { ...zero, chat: 1 }, firstResponseMsP50: 90_000 }),
    ]);
    await expectSumsEqualSummary(from, to, buckets);
  });

  it('hours in New York across the fall-back: 01:00 happens twice, as two buckets; empty hours are zeros', async () => {
    const from = '2002-10-27T04:00:00Z';
    const to = '2002-10-27T09:00:00Z';
    const { buckets } = await agent.metrics.timeseries.query({ from, to, bucket: 'hour', timeZone: 'America/New_York' });
    expect(buckets).toEqual([
      bucket('2002-10-27T04:00:00.000Z', { ticketsBySource: { ...zero, chat: 1 }, unanswered: 1 }), // 00:00 EDT
      bucket('2002-10-27T05:00:00.000Z', { ticketsBySource: { ...zero, chat: 1 }, resolved: 1, firstResponseMsP50: 10_000 }), // 01:00 EDT
      bucket('2002-10-27T06:00:00.000Z', { ticketsBySource: { ...zero, chat: 1 }, firstResponseMsP50: 50_000 }), // 01:00 EST
      bucket('2002-10-27T07:00:00.000Z'),
      bucket('2002-10-27T08:00:00.000Z'),
    ]);
    await expectSumsEqualSummary(from, to, buckets);
  });

  it('days in São Paulo across the spring-forward: the 23-hour Sunday begins at 01:00; the same tickets by UTC day differ', async () => {
    const from = '2018-11-03T03:00:00Z';
    const to = '2018-11-06T02:00:00Z';
    const local = await agent.metrics.timeseries.query({ from, to, bucket: 'day', timeZone: 'America/Sao_Paulo' });
    expect(local.buckets).toEqual([
      bucket('2018-11-03T03:00:00.000Z', { ticketsBySource: { ...zero, api: 1 } }),
      bucket('2018-11-04T03:00:00.000Z', { ticketsBySource: { ...zero, chat: 2 }, unanswered: 1, resolved: 1, firstResponseMsP50: 20_000 }),
      bucket('2018-11-05T02:00:00.000Z', { ticketsBySource: { ...zero, email: 1 } }),
    ]);
    await expectSumsEqualSummary(from, to, local.buckets);
    // The node's TZ (America/Sao_Paulo here) when no zone is given.
    expect(await agent.metrics.timeseries.query({ from, to, bucket: 'day' })).toEqual(local);

    const utc = await agent.metrics.timeseries.query({ from: '2018-11-03T00:00:00Z', to: '2018-11-06T00:00:00Z', bucket: 'day', timeZone: 'UTC' });
    expect(utc.buckets).toEqual([
      bucket('2018-11-03T00:00:00.000Z'),
      bucket('2018-11-04T00:00:00.000Z', { ticketsBySource: { ...zero, api: 1, chat: 1 }, firstResponseMsP50: 20_000 }),
      bucket('2018-11-05T00:00:00.000Z', { ticketsBySource: { ...zero, chat: 1, email: 1 }, unanswered: 1, resolved: 1 }),
    ]);
  });

  it('hours of a half-hour zone begin at :30 UTC; the first bucket holds `from` but counts from it', async () => {
    const from = '2002-10-27T04:10:00Z'; // 09:40 in Kolkata (+05:30)
    const to = '2002-10-27T06:10:00Z';
    const { buckets } = await agent.metrics.timeseries.query({ from, to, bucket: 'hour', timeZone: 'Asia/Kolkata' });
    expect(buckets).toEqual([
      // 04:00Z (unanswered chat) is before `from` though inside this hour: not counted.
      bucket('2002-10-27T03:30:00.000Z'),
      bucket('2002-10-27T04:30:00.000Z'),
      bucket('2002-10-27T05:30:00.000Z', { ticketsBySource: { ...zero, chat: 1 }, resolved: 1, firstResponseMsP50: 10_000 }),
    ]);
    await expectSumsEqualSummary(from, to, buckets);
  });

  it('every bucket of the longest range is present, one calendar day apart', async () => {
    const { buckets } = await agent.metrics.timeseries.query({ from: '2002-01-01T05:00:00Z', to: '2003-01-01T05:00:00Z', bucket: 'day', timeZone: 'America/New_York' });
    expect(buckets).toHaveLength(365);
    const localDates = buckets.map((b) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date(b.start)));
    expect(new Set(localDates).size).toBe(365);
    expect(localDates[0]).toBe('2002-01-01');
    expect(localDates.at(-1)).toBe('2002-12-31');
    // Every start is a local midnight; the spring day is 23 hours, the autumn one 25.
    const hours = buckets.slice(1).map((b, i) => (Date.parse(b.start) - Date.parse(buckets[i]!.start)) / 3_600_000);
    expect(hours.filter((h) => h === 23)).toHaveLength(1);
    expect(hours.filter((h) => h === 25)).toHaveLength(1);
    expect(hours.filter((h) => h !== 24)).toHaveLength(2);
    expect(sum(buckets, (b) => b.chatsStarted)).toBe(5);
  });

  it('refuses unknown zones, offsets, reversed or too long ranges, each naming its field', async () => {
    const range = { from: '2002-10-26T00:00:00Z', to: '2002-10-27T00:00:00Z', bucket: 'hour' as const };
    for (const timeZone of ['Mars/Olympus_Mons', '+03:00', 'America/Sao_Paulo; drop table tickets', '']) {
      const error = await expectTrpcError(agent.metrics.timeseries.query({ ...range, timeZone }), 'BAD_REQUEST');
      expect(error.data?.fields, timeZone).toHaveProperty('timeZone');
    }
    const reversed = await expectTrpcError(agent.metrics.timeseries.query({ ...range, from: range.to, to: range.from }), 'BAD_REQUEST');
    expect(reversed.data?.fields).toHaveProperty('to');
    const tooManyHours = await expectTrpcError(agent.metrics.timeseries.query({ ...range, to: '2002-11-27T00:00:01Z' }), 'BAD_REQUEST');
    expect(tooManyHours.data?.fields).toHaveProperty('to');
    const tooManyDays = await expectTrpcError(agent.metrics.timeseries.query({ ...range, bucket: 'day', to: '2003-10-28T00:00:00Z' }), 'BAD_REQUEST');
    expect(tooManyDays.data?.fields).toHaveProperty('to');
    // 31 days by hour and 366 by day are allowed.
    expect((await agent.metrics.timeseries.query({ ...range, to: '2002-11-26T00:00:00Z', timeZone: 'UTC' })).buckets).toHaveLength(31 * 24);
    expect((await agent.metrics.timeseries.query({ ...range, bucket: 'day', to: '2003-10-27T00:00:00Z', timeZone: 'UTC' })).buckets).toHaveLength(366);
    await expectTrpcError(agent.metrics.timeseries.query({ from: range.from, to: range.to } as never), 'BAD_REQUEST');
  });

  it('a time zone may be spelled in any case and is read canonically', async () => {
    const range = { from: '2002-10-26T04:00:00Z', to: '2002-10-29T05:00:00Z', bucket: 'day' as const };
    expect(await agent.metrics.timeseries.query({ ...range, timeZone: 'america/new_york' })).toEqual(
      await agent.metrics.timeseries.query({ ...range, timeZone: 'America/New_York' }),
    );
  });
});
