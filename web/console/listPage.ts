import type { TicketListItem } from '../../shared/agentApi.js';
import { TICKET_SOURCES, TICKET_STATUSES, type TicketSource, type TicketStatus } from '../../shared/tickets.js';
import { el } from '../common/dom.js';
import { t } from './i18n/index.js';
import { formatDateTime, PRIORITY_LABELS, SOURCE_LABELS, STATUS_LABELS } from './labels.js';
import type { PageContext } from './main.js';
import { loadTeam } from './shift/agentDirectory.js';
import { setPageTitle } from './shift/pageTitle.js';
import { TAB_ASSIGNEE, TABS, ticketTabs, type Tab } from './shift/ticketTabs.js';
import { teamPanel } from './shift/teamPanel.js';

const PAGE_SIZE = 25;
const COUNT_LIMIT = 100;
const REFRESH_DEBOUNCE_MS = 300;
/** The tab last chosen, for this tab's session: coming back to the list finds it again. */
const TAB_KEY = 'atende.console.tab';

/** A badge telling where a ticket came from. */
export function sourceBadge(source: TicketSource): HTMLSpanElement {
  return el('span', { class: `badge source-${source}`, 'data-source': source }, SOURCE_LABELS[source]);
}

export function statusBadge(status: TicketStatus): HTMLSpanElement {
  return el('span', { class: `status status-${status}`, 'data-status': status }, STATUS_LABELS[status]);
}

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return (values as readonly string[]).includes(value ?? '') ? (value as T) : undefined;
}

/**
 * The ticket list: tabs Minhas / Não atribuídas / Todas with their counts, the filters (kept in
 * the URL), unread badges, and beside it the queue and the team. Refreshed live from the shift's
 * event stream.
 */
export function renderListPage(main: HTMLElement, ctx: PageContext, query: URLSearchParams) {
  setPageTitle('tickets');
  const filters = {
    tab: oneOf(TABS, query.get('tab')) ?? oneOf(TABS, sessionStorage.getItem(TAB_KEY)) ?? 'all',
    source: oneOf(TICKET_SOURCES, query.get('source')),
    status: oneOf(TICKET_STATUSES, query.get('status')),
  };
  let names = new Map<string, string>();

  const sourceSelect = select('filter-source', t.list.anySource, TICKET_SOURCES.map((s) => [s, SOURCE_LABELS[s]]), filters.source);
  const statusSelect = select('filter-status', t.list.anyStatus, TICKET_STATUSES.map((s) => [s, STATUS_LABELS[s]]), filters.status);
  const tbody = el('tbody');
  const empty = el('p', { class: 'empty', hidden: true }, t.list.empty);
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, t.list.more);
  const count = el('p', { class: 'count', role: 'status' });
  const tabs = ticketTabs(filters.tab, 'ticket-panel', (tab) => {
    filters.tab = tab;
    sessionStorage.setItem(TAB_KEY, tab);
    onFilter();
  });

  main.replaceChildren(
    el('h1', {}, t.list.title),
    el(
      'div',
      { class: 'list-layout' },
      el(
        'div',
        { class: 'list-main' },
        tabs.element,
        el(
          'form',
          { class: 'filters', role: 'search', 'aria-label': t.list.filters },
          el('label', { for: 'filter-source' }, t.list.source),
          sourceSelect,
          el('label', { for: 'filter-status' }, t.list.status),
          statusSelect,
        ),
        el(
          'div',
          { id: 'ticket-panel', role: 'tabpanel', 'aria-labelledby': `tab-${filters.tab}` },
          count,
          el('table', { class: 'tickets' }, el('thead', {}, el('tr', {}, ...t.list.columns.map((h) => el('th', { scope: 'col' }, h)))), tbody),
          empty,
          more,
        ),
      ),
      teamPanel({ api: ctx.api, me: ctx.me, shift: ctx.shift, signal: ctx.signal, fail: ctx.fail }),
    ),
  );

  let cursor: string | null = null;
  let loaded: TicketListItem[] = [];
  let generation = 0;
  const filterOf = (tab: Tab) => ({ source: filters.source, status: filters.status, assigneeId: TAB_ASSIGNEE[tab] });

  async function load(reset: boolean) {
    const mine = ++generation;
    try {
      const [page, ...counted] = await Promise.all([
        ctx.api.tickets.list.query({
          ...filterOf(filters.tab),
          limit: reset ? Math.max(PAGE_SIZE, loaded.length) : PAGE_SIZE,
          cursor: reset ? undefined : cursor,
        }),
        ...(reset ? TABS.map((tab) => ctx.api.tickets.list.query({ ...filterOf(tab), limit: COUNT_LIMIT })) : []),
      ]);
      if (mine !== generation || ctx.signal.aborted) return;
      counted.forEach((result, i) => tabs.setCount(TABS[i]!, result.items.length, result.nextCursor !== null));
      loaded = reset ? page!.items : [...loaded, ...page!.items];
      cursor = page!.nextCursor;
      tbody.replaceChildren(...loaded.map((ticket) => row(ticket, names)));
      empty.hidden = loaded.length > 0;
      more.hidden = !cursor;
      count.textContent = t.list.count(loaded.length, Boolean(cursor));
      main.setAttribute('data-loaded', String(mine));
    } catch (error) {
      ctx.fail(error);
    }
  }

  function onFilter() {
    filters.source = (sourceSelect.value || undefined) as TicketSource | undefined;
    filters.status = (statusSelect.value || undefined) as TicketStatus | undefined;
    const params = new URLSearchParams();
    if (filters.tab !== 'all') params.set('tab', filters.tab);
    if (filters.source) params.set('source', filters.source);
    if (filters.status) params.set('status', filters.status);
    document.getElementById('ticket-panel')?.setAttribute('aria-labelledby', `tab-${filters.tab}`);
    // replaceState: the page stays (and keeps the focus where it is); a reload keeps the filters.
    history.replaceState(null, '', `#/${params.size ? `?${params}` : ''}`);
    loaded = [];
    void load(true);
  }
  sourceSelect.addEventListener('change', onFilter);
  statusSelect.addEventListener('change', onFilter);
  more.addEventListener('click', () => void load(false));

  // Any ticket change may move rows in or out of the list or change a count: reload it (debounced).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopListening = ctx.shift.listen((event) => {
    if (event.type === 'chat.typing') return;
    clearTimeout(timer);
    timer = setTimeout(() => void load(true), REFRESH_DEBOUNCE_MS);
  });
  ctx.signal.addEventListener('abort', () => {
    stopListening();
    clearTimeout(timer);
  });
  ctx.shift.onLive(() => main.setAttribute('data-live', 'true'));

  void loadTeam(ctx.api, ctx.me)
    .then((team) => {
      names = new Map(team.map((member) => [member.id, member.name]));
      if (loaded.length) tbody.replaceChildren(...loaded.map((ticket) => row(ticket, names)));
    })
    .catch(ctx.fail)
    .finally(() => void load(true));
}

function row(ticket: TicketListItem, names: Map<string, string>): HTMLTableRowElement {
  const who = ticket.client.name || ticket.client.email || ticket.client.phone || '—';
  const link = `#/tickets/${ticket.number}`;
  return el(
    'tr',
    { 'data-ticket': String(ticket.number), 'data-unread': String(ticket.unreadCount), class: ticket.unreadCount > 0 ? 'has-unread' : undefined },
    el('td', {}, el('a', { href: link }, `#${ticket.number}`)),
    el(
      'td',
      {},
      el('a', { href: link }, ticket.subject),
      ticket.unreadCount > 0 ? el('span', { class: 'unread', title: t.list.unread(ticket.unreadCount) }, el('span', { 'aria-hidden': 'true' }, String(ticket.unreadCount)), el('span', { class: 'visually-hidden' }, t.list.unread(ticket.unreadCount))) : null,
      ticket.escalated ? el('span', { class: 'escalated' }, ` ${t.list.escalated}`) : null,
    ),
    el('td', {}, el('a', { href: `#/clients/${ticket.client.id}`, title: ticket.client.email ?? '' }, who)),
    el('td', {}, sourceBadge(ticket.source)),
    el('td', {}, statusBadge(ticket.status)),
    el('td', {}, PRIORITY_LABELS[ticket.priority]),
    el('td', { class: 'assignee', 'data-assignee': ticket.assigneeId ?? '' }, ticket.assigneeId ? (names.get(ticket.assigneeId) ?? '…') : t.list.nobody),
    el('td', {}, el('time', { datetime: ticket.updatedAt }, formatDateTime(ticket.updatedAt))),
    el(
      'td',
      {},
      ticket.source === 'chat'
        ? el('a', { href: link, class: 'history' }, t.list.viewChat)
        : el('a', { href: `#/clients/${ticket.client.id}`, class: 'history' }, t.list.viewClient),
    ),
  );
}

function select(id: string, allLabel: string, options: [string, string][], value: string | undefined): HTMLSelectElement {
  const node = el('select', { id }, el('option', { value: '' }, allLabel), ...options.map(([v, label]) => el('option', { value: v }, label)));
  node.value = value ?? '';
  return node;
}
