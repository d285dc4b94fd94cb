import type { Agent, TicketListItem } from '../../../shared/agentApi.js';
import { el } from '../../common/dom.js';
import type { Api } from '../api.js';
import { t } from '../i18n/index.js';
import { formatDuration } from '../labels.js';
import { routingApi, unlessMissing, type AgentPresence } from './routingApi.js';
import type { ShiftWatch } from './shiftWatch.js';

// Short: an agent whose browser closed reads offline within the presence window (60 s), and the
// others should see it soon after. One small query per open console.
const POLL_MS = 5_000;
const QUEUE_LIMIT = 20;

/**
 * The list page's side panel: the queue (chats waiting for an agent, oldest first, with how
 * long) and the team's presence. Presence changes are no ticket events, so it is polled;
 * the queue follows the event stream too. Hidden on a node without presence (PROTOCOL §8).
 */
export function teamPanel(deps: { api: Api; me: Agent; shift: ShiftWatch; signal: AbortSignal; fail(error: unknown): void }) {
  const { api, shift, signal, fail } = deps;
  const queueList = el('ol', { class: 'queue', 'aria-labelledby': 'queue-title' });
  const teamList = el('ul', { class: 'team', 'aria-labelledby': 'team-title' });
  const element = el(
    'aside',
    { class: 'shift-panel', hidden: true },
    el('h2', { id: 'queue-title' }, t.team.queue),
    queueList,
    el('h2', { id: 'team-title' }, t.team.title),
    teamList,
  );
  // Whether each unassigned chat ticket's chat is still open: learnt once per ticket, kept
  // current by the stream (a chat that ends leaves the queue).
  const chatOpen = new Map<string, boolean>();

  async function queued(): Promise<TicketListItem[]> {
    const { items } = await api.tickets.list.query({ assigneeId: 'none', source: 'chat', status: 'OPEN', limit: 100 });
    const unknown = items.filter((item) => !chatOpen.has(item.id)).slice(0, QUEUE_LIMIT);
    const details = await Promise.all(unknown.map((item) => api.tickets.get.query({ id: item.id })));
    for (const ticket of details) chatOpen.set(ticket.id, ticket.chatSessions.some((s) => s.status === 'active'));
    return items.filter((item) => chatOpen.get(item.id)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  function queueItem(ticket: TicketListItem): HTMLElement {
    const take = el('button', { type: 'button', class: 'secondary small', 'aria-label': t.team.takeTicket(ticket.number) }, t.team.take);
    take.addEventListener('click', async () => {
      take.disabled = true;
      try {
        await api.tickets.assign.mutate({ id: ticket.id, assigneeId: deps.me.id });
        location.hash = `#/tickets/${ticket.number}`;
      } catch (error) {
        take.disabled = false;
        fail(error);
      }
    });
    const who = ticket.client.name || ticket.client.email || '—';
    return el(
      'li',
      { 'data-ticket': String(ticket.number) },
      el('a', { href: `#/tickets/${ticket.number}` }, `#${ticket.number} ${who}`),
      ' ',
      el('span', { class: 'waiting' }, t.team.waiting(formatDuration(Date.now() - Date.parse(ticket.createdAt)))),
      ' ',
      take,
    );
  }

  function memberItem(member: AgentPresence): HTMLElement {
    return el(
      'li',
      { 'data-agent': member.id, 'data-presence': member.status },
      el('span', { class: `dot presence-${member.status}`, 'aria-hidden': 'true' }),
      ` ${member.name} · `,
      el('span', { class: 'presence' }, t.presence[member.status]),
      ` · ${t.team.load(member.openChats, member.capacity)}`,
    );
  }

  let generation = 0;
  async function refresh() {
    const current = ++generation;
    try {
      const team = await unlessMissing(routingApi(api).agents.presence.query());
      if (!team || current !== generation || signal.aborted) return;
      const waiting = await queued();
      if (current !== generation || signal.aborted) return;
      queueList.replaceChildren(...(waiting.length ? waiting.map(queueItem) : [el('li', { class: 'empty' }, t.team.queueEmpty)]));
      teamList.replaceChildren(...team.map(memberItem));
      element.hidden = false;
      element.setAttribute('data-refreshed', String(current));
    } catch (error) {
      fail(error);
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopListening = shift.listen((event) => {
    if (event.type === 'chat.closed') chatOpen.set(event.ticketId, false);
    if (event.type === 'chat.typing' || event.type === 'message.created') return;
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 300);
  });
  const poll = setInterval(() => void refresh(), POLL_MS);
  signal.addEventListener('abort', () => {
    stopListening();
    clearTimeout(timer);
    clearInterval(poll);
  });
  void refresh();
  return element;
}
