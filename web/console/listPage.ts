import type { TicketSummary } from '../../shared/agentApi.js';
import { TICKET_SOURCES, TICKET_STATUSES, type TicketSource, type TicketStatus } from '../../shared/tickets.js';
import { el } from '../common/dom.js';
import { formatDateTime, PRIORITY_LABELS, SOURCE_LABELS, STATUS_LABELS } from './labels.js';
import type { PageContext } from './main.js';

const PAGE_SIZE = 25;
const REFRESH_DEBOUNCE_MS = 300;

/** A badge telling where a ticket came from. */
export function sourceBadge(source: TicketSource): HTMLSpanElement {
  return el('span', { class: `badge source-${source}`, 'data-source': source }, SOURCE_LABELS[source]);
}

export function statusBadge(status: TicketStatus): HTMLSpanElement {
  return el('span', { class: `status status-${status}`, 'data-status': status }, STATUS_LABELS[status]);
}

/** The ticket list with its filters (kept in the URL), refreshed live from `tickets.onEvent`. */
export function renderListPage(main: HTMLElement, ctx: PageContext, query: URLSearchParams) {
  document.title = 'Atende — tickets';
  const filters = {
    source: (TICKET_SOURCES as readonly string[]).includes(query.get('source') ?? '') ? (query.get('source') as TicketSource) : undefined,
    status: (TICKET_STATUSES as readonly string[]).includes(query.get('status') ?? '') ? (query.get('status') as TicketStatus) : undefined,
  };

  const sourceSelect = select('filter-source', 'Todas', TICKET_SOURCES.map((s) => [s, SOURCE_LABELS[s]]), filters.source);
  const statusSelect = select('filter-status', 'Todos', TICKET_STATUSES.map((s) => [s, STATUS_LABELS[s]]), filters.status);
  const tbody = el('tbody');
  const empty = el('p', { class: 'empty', hidden: true }, 'Nenhum ticket com estes filtros.');
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Carregar mais');
  const count = el('p', { class: 'count', role: 'status' });

  main.replaceChildren(
    el('h1', {}, 'Tickets'),
    el(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filtros' },
      el('label', { for: 'filter-source' }, 'Origem'),
      sourceSelect,
      el('label', { for: 'filter-status' }, 'Status'),
      statusSelect,
    ),
    count,
    el(
      'table',
      { class: 'tickets' },
      el(
        'thead',
        {},
        el('tr', {}, ...['Ticket', 'Assunto', 'Cliente', 'Origem', 'Status', 'Prioridade', 'Atualizado', 'Histórico'].map((h) => el('th', { scope: 'col' }, h))),
      ),
      tbody,
    ),
    empty,
    more,
  );

  let cursor: string | null = null;
  let loaded: TicketSummary[] = [];
  let generation = 0;

  async function load(reset: boolean) {
    const mine = ++generation;
    try {
      const page = await ctx.api.tickets.list.query({
        source: filters.source,
        status: filters.status,
        limit: reset ? Math.max(PAGE_SIZE, loaded.length) : PAGE_SIZE,
        cursor: reset ? undefined : cursor,
      });
      if (mine !== generation || ctx.signal.aborted) return;
      loaded = reset ? page.items : [...loaded, ...page.items];
      cursor = page.nextCursor;
      tbody.replaceChildren(...loaded.map(row));
      empty.hidden = loaded.length > 0;
      more.hidden = !cursor;
      count.textContent = `${loaded.length} ticket${loaded.length === 1 ? '' : 's'}${cursor ? '+' : ''}`;
      main.setAttribute('data-loaded', String(mine));
    } catch (error) {
      ctx.fail(error);
    }
  }

  function onFilter() {
    filters.source = (sourceSelect.value || undefined) as TicketSource | undefined;
    filters.status = (statusSelect.value || undefined) as TicketStatus | undefined;
    const params = new URLSearchParams();
    if (filters.source) params.set('source', filters.source);
    if (filters.status) params.set('status', filters.status);
    // replaceState: the page stays (and keeps the focus on the select); a reload keeps the filters.
    history.replaceState(null, '', `#/${params.size ? `?${params}` : ''}`);
    loaded = [];
    void load(true);
  }
  sourceSelect.addEventListener('change', onFilter);
  statusSelect.addEventListener('change', onFilter);
  more.addEventListener('click', () => void load(false));

  // Any ticket change may move rows in or out of the filtered list: reload it (debounced).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const subscription = ctx.api.tickets.onEvent.subscribe(undefined, {
    onStarted: () => main.setAttribute('data-live', 'true'),
    onData({ data: event }) {
      if (event.type === 'chat.typing' || event.type === 'stream.ready') return;
      clearTimeout(timer);
      timer = setTimeout(() => void load(true), REFRESH_DEBOUNCE_MS);
    },
    onError: (error) => ctx.fail(error),
  });
  ctx.signal.addEventListener('abort', () => {
    subscription.unsubscribe();
    clearTimeout(timer);
  });

  void load(true);
}

function row(ticket: TicketSummary): HTMLTableRowElement {
  const who = ticket.client.name || ticket.client.email || ticket.client.phone || '—';
  return el(
    'tr',
    { 'data-ticket': String(ticket.number) },
    el('td', {}, el('a', { href: `#/tickets/${ticket.number}` }, `#${ticket.number}`)),
    el('td', {}, el('a', { href: `#/tickets/${ticket.number}` }, ticket.subject), ticket.escalated ? el('span', { class: 'escalated' }, ' escalado') : null),
    el('td', {}, el('a', { href: `#/clients/${ticket.client.id}`, title: ticket.client.email ?? '' }, who)),
    el('td', {}, sourceBadge(ticket.source)),
    el('td', {}, statusBadge(ticket.status)),
    el('td', {}, PRIORITY_LABELS[ticket.priority]),
    el('td', {}, el('time', { datetime: ticket.updatedAt }, formatDateTime(ticket.updatedAt))),
    el(
      'td',
      {},
      ticket.source === 'chat'
        ? el('a', { href: `#/tickets/${ticket.number}`, class: 'history' }, 'Ver conversa')
        : el('a', { href: `#/clients/${ticket.client.id}`, class: 'history' }, 'Ver cliente'),
    ),
  );
}

function select(id: string, allLabel: string, options: [string, string][], value: string | undefined): HTMLSelectElement {
  const node = el('select', { id }, el('option', { value: '' }, allLabel), ...options.map(([v, label]) => el('option', { value: v }, label)));
  node.value = value ?? '';
  return node;
}
