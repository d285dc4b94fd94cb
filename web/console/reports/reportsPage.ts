import type { AgentMetrics, MetricsSummary, TimeseriesBucket } from '../../../shared/agentApi.js';
import { TICKET_SOURCES, type TicketSource } from '../../../shared/tickets.js';
import { el } from '../../common/dom.js';
import './reports.css';
import type { PageContext } from '../main.js';
import { categoryBars, timeChart } from './charts.js';
import { dataTable, type Cell, type TableData } from './dataTable.js';
import { formatters, type Formatters } from './format.js';
import { heatMap } from './heatMap.js';
import { hourChunks, PERIOD_KINDS, periodOf, type Period, type PeriodKind } from './period.js';
import { reportLocale, reportStrings, type ReportStrings } from './strings.js';

/**
 * The Reports page (PROTOCOL §12), `#/reports?period=today|7d|30d|custom&from=&to=`: what a
 * support manager looks at, for a period in the browser's time zone. Loaded as its own chunk
 * (with uPlot) only when opened.
 */

const SOURCE_COLORS: Record<TicketSource, string> = { chat: '#0b6e4f', email: '#2541b2', phone: '#b45309', web: '#7e22ce', api: '#4b5563' };

interface ReportData {
  period: Period;
  buckets: TimeseriesBucket[];
  /** Hour buckets over the whole period, for the weekday × hour map. */
  hours: TimeseriesBucket[];
  summary: MetricsSummary;
  agentNames: Map<string, string>;
}

export function renderReportsPage(main: HTMLElement, ctx: PageContext, query: URLSearchParams): void {
  const locale = reportLocale();
  const strings = reportStrings(locale);
  const fmt = formatters(locale);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.title = `Atende — ${strings.title}`;
  const period = periodOf(query);
  const status = el('p', { class: 'loading', role: 'status' }, period ? strings.loading : '');
  const content = el('div', { class: 'reports' });
  main.replaceChildren(
    el('h1', {}, strings.title),
    periodPicker(period, query, strings, ctx),
    el('p', { class: 'zone' }, strings.inZone(timeZone)),
    status,
    content,
  );
  if (!period) {
    status.replaceChildren(el('span', { class: 'error' }, strings.badPeriod));
    return;
  }
  load(period, timeZone, ctx).then(
    (data) => {
      if (ctx.signal.aborted) return;
      status.textContent = '';
      content.replaceChildren(...sections(data, strings, fmt, ctx.signal));
      main.dataset.loaded = 'true';
    },
    (error) => {
      status.textContent = '';
      ctx.fail(error);
    },
  );
}

async function load(period: Period, timeZone: string, ctx: PageContext): Promise<ReportData> {
  const range = { from: period.from.toISOString(), to: period.to.toISOString() };
  const hourly = period.bucket === 'hour';
  const [series, hourPieces, summary, agents] = await Promise.all([
    ctx.api.metrics.timeseries.query({ ...range, bucket: period.bucket, timeZone }),
    hourly
      ? Promise.resolve([])
      : Promise.all(
          hourChunks(period.from, period.to).map((chunk) =>
            ctx.api.metrics.timeseries.query({ from: chunk.from.toISOString(), to: chunk.to.toISOString(), bucket: 'hour', timeZone }),
          ),
        ),
    ctx.api.metrics.summary.query(range),
    // Names need agents.list (admins); others see short ids.
    ctx.api.agents.list.query().catch(() => []),
  ]);
  return {
    period,
    buckets: series.buckets,
    hours: hourly ? series.buckets : hourPieces.flatMap((piece) => piece.buckets),
    summary,
    agentNames: new Map(agents.map((agent) => [agent.id, agent.name])),
  };
}

function periodPicker(period: Period | undefined, query: URLSearchParams, strings: ReportStrings, ctx: PageContext): HTMLElement {
  const labels: Record<PeriodKind, string> = { today: strings.today, '7d': strings.last7, '30d': strings.last30, custom: strings.custom };
  const current = period?.kind ?? (query.get('period') as PeriodKind | null) ?? '7d';
  const from = el('input', { type: 'date', id: 'report-from', name: 'from', value: period?.firstDay ?? query.get('from') ?? '' });
  const to = el('input', { type: 'date', id: 'report-to', name: 'to', value: period?.lastDay ?? query.get('to') ?? '' });
  const radios = PERIOD_KINDS.map((kind) => {
    const input = el('input', { type: 'radio', name: 'period', value: kind, id: `period-${kind}`, checked: kind === current });
    input.addEventListener('change', () => {
      if (kind !== 'custom') ctx.navigate(`#/reports?period=${kind}`);
      else from.focus();
    });
    return el('span', { class: 'choice' }, input, el('label', { for: `period-${kind}` }, labels[kind]));
  });
  const form = el(
    'form',
    { class: 'period-picker' },
    el(
      'fieldset',
      {},
      el('legend', {}, strings.period),
      ...radios,
      el('span', { class: 'custom-range' }, el('label', { for: 'report-from' }, strings.from), from, el('label', { for: 'report-to' }, strings.to), to),
      el('button', { type: 'submit' }, strings.apply),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ period: 'custom', from: from.value, to: to.value });
    ctx.navigate(`#/reports?${params}`);
  });
  return form;
}

function section(id: string, title: string, ...children: Array<Node | null>): HTMLElement {
  return el('section', { class: 'report', 'data-report': id, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), ...children);
}

const num = (value: number, fmt: Formatters): Cell => ({ text: fmt.integer(value), value });
const sum = (buckets: TimeseriesBucket[], pick: (b: TimeseriesBucket) => number) => buckets.reduce((total, b) => total + pick(b), 0);

function sections(data: ReportData, strings: ReportStrings, fmt: Formatters, signal: AbortSignal): HTMLElement[] {
  const { buckets, summary, period } = data;
  const x = buckets.map((b) => Date.parse(b.start));
  const label = (b: TimeseriesBucket): Cell => ({ text: fmt.bucket(b.start, period.bucket), value: b.start });
  const c = strings.columns;

  const cards = el(
    'dl',
    { class: 'report-cards' },
    ...(
      [
        ['chats', strings.cards.chats, fmt.integer(summary.chatTickets)],
        ['first-p50', strings.cards.firstP50, fmt.duration(summary.firstResponseMs.p50)],
        ['first-p90', strings.cards.firstP90, fmt.duration(summary.firstResponseMs.p90)],
        ['unanswered', strings.cards.unanswered, fmt.integer(summary.unansweredChats)],
        ['csat', strings.cards.csat, '—'],
      ] as const
    ).map(([id, term, value]) => el('div', { class: 'card', 'data-card': id }, el('dt', {}, term), el('dd', {}, value))),
  );

  const channels: TableData = {
    columns: [c.period, ...TICKET_SOURCES.map((s) => strings.sources[s]), c.total],
    rows: buckets.map((b) => [label(b), ...TICKET_SOURCES.map((s) => num(b.ticketsBySource[s], fmt)), num(sum([b], totalOf), fmt)]),
    totals: [{ text: strings.totals, value: strings.totals }, ...TICKET_SOURCES.map((s) => num(sum(buckets, (b) => b.ticketsBySource[s]), fmt)), num(sum(buckets, totalOf), fmt)],
  };

  const firstResponse: TableData = {
    columns: [c.period, c.chats, c.firstP50],
    rows: buckets.map((b) => [label(b), num(b.chatsStarted, fmt), { text: fmt.duration(b.firstResponseMsP50), value: b.firstResponseMsP50 }]),
    totals: [
      { text: strings.totals, value: strings.totals },
      num(sum(buckets, (b) => b.chatsStarted), fmt),
      { text: fmt.duration(summary.firstResponseMs.p50), value: summary.firstResponseMs.p50 },
    ],
  };

  const unansweredShare = (unanswered: number, chats: number) => (chats > 0 ? unanswered / chats : null);
  const unanswered: TableData = {
    columns: [c.period, c.chats, c.unanswered, c.unansweredShare],
    rows: buckets.map((b) => {
      const share = unansweredShare(b.unanswered, b.chatsStarted);
      return [label(b), num(b.chatsStarted, fmt), num(b.unanswered, fmt), { text: fmt.percent(share), value: share === null ? null : round(share) }];
    }),
    totals: (() => {
      const chats = sum(buckets, (b) => b.chatsStarted);
      const share = unansweredShare(summary.unansweredChats, chats);
      return [{ text: strings.totals, value: strings.totals }, num(chats, fmt), num(sum(buckets, (b) => b.unanswered), fmt), { text: fmt.percent(share), value: share === null ? null : round(share) }];
    })(),
  };

  const resolvedOf = (s: TicketSource) => Math.round((summary.resolutionRateBySource[s] ?? 0) * summary.ticketsBySource[s]);
  const allTickets = TICKET_SOURCES.reduce((total, s) => total + summary.ticketsBySource[s], 0);
  const allResolved = TICKET_SOURCES.reduce((total, s) => total + resolvedOf(s), 0);
  const resolution: TableData = {
    columns: [c.channel, c.tickets, c.resolved, c.rate],
    rows: TICKET_SOURCES.map((s) => {
      const rate = summary.resolutionRateBySource[s];
      return [{ text: strings.sources[s], value: s }, num(summary.ticketsBySource[s], fmt), num(resolvedOf(s), fmt), { text: fmt.percent(rate), value: rate === null ? null : round(rate) }];
    }),
    totals: [
      { text: strings.totals, value: strings.totals },
      num(allTickets, fmt),
      num(allResolved, fmt),
      { text: fmt.percent(allTickets ? allResolved / allTickets : null), value: allTickets ? round(allResolved / allTickets) : null },
    ],
  };

  const csat: TableData = {
    columns: [c.period, c.csat],
    rows: buckets.map((b) => [label(b), { text: b.csatAvg === null ? '—' : fmt.integer(b.csatAvg), value: b.csatAvg }]),
    totals: [{ text: strings.totals, value: strings.totals }, { text: '—', value: null }],
  };

  const agents: TableData = {
    columns: [c.agent, c.assigned, c.firstP50, c.resolved],
    rows: summary.byAgent.map((a: AgentMetrics) => [
      { text: data.agentNames.get(a.agentId) ?? a.agentId.slice(0, 8), value: data.agentNames.get(a.agentId) ?? a.agentId },
      num(a.chats, fmt),
      { text: fmt.duration(a.firstResponseMsP50), value: a.firstResponseMsP50 },
      num(a.resolved, fmt),
    ]),
  };

  const duration = (v: number) => fmt.duration(v);
  return [
    cards,
    section(
      'channels',
      strings.channels,
      timeChart({ x, series: TICKET_SOURCES.map((s) => ({ label: strings.sources[s], color: SOURCE_COLORS[s], values: buckets.map((b) => b.ticketsBySource[s]) })) }, signal),
      dataTable('channels', strings.channels, channels, strings),
    ),
    section(
      'first-response',
      strings.firstResponse,
      timeChart({ x, formatY: duration, series: [{ label: c.firstP50, color: '#0b6e4f', values: buckets.map((b) => b.firstResponseMsP50) }] }, signal),
      dataTable('first-response', strings.firstResponse, firstResponse, strings),
    ),
    section(
      'unanswered',
      strings.unanswered,
      timeChart(
        {
          x,
          series: [
            { label: c.chats, color: '#0b6e4f', values: buckets.map((b) => b.chatsStarted) },
            { label: c.unanswered, color: '#c81e1e', values: buckets.map((b) => b.unanswered), bars: true },
          ],
        },
        signal,
      ),
      dataTable('unanswered', strings.unanswered, unanswered, strings),
    ),
    section(
      'resolution',
      strings.resolution,
      categoryBars(TICKET_SOURCES.map((s) => ({ label: strings.sources[s], share: summary.resolutionRateBySource[s], text: fmt.percent(summary.resolutionRateBySource[s]), color: SOURCE_COLORS[s] }))),
      dataTable('resolution', strings.resolution, resolution, strings),
    ),
    section('csat', strings.csat, el('p', { class: 'note' }, strings.csatPending), dataTable('csat', strings.csat, csat, strings)),
    section('heatmap', strings.heatmap, heatMap(data.hours, strings, fmt)),
    section('agents', strings.agents, agents.rows.length ? null : el('p', { class: 'empty' }, strings.noAgents), dataTable('agents', strings.agents, agents, strings)),
  ];
}

const totalOf = (b: TimeseriesBucket) => TICKET_SOURCES.reduce((total, s) => total + b.ticketsBySource[s], 0);
const round = (share: number) => Math.round(share * 10_000) / 10_000;
