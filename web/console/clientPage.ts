import type { ChatSessionSummary, TicketSummary } from '../../shared/agentApi.js';
import { el } from '../common/dom.js';
import { errorMessage } from './api.js';
import { identityBadges } from './chatIdentity.js';
import { formatDateTime } from './labels.js';
import { sourceBadge, statusBadge } from './listPage.js';
import { t } from './i18n/index.js';
import { setPageTitle } from './shift/pageTitle.js';
import type { PageContext } from './main.js';

/** A customer's history: every ticket of every channel, newest first, each linking to its page. */
export function renderClientPage(main: HTMLElement, ctx: PageContext, id: string) {
  setPageTitle(t.clientPage.page);
  main.replaceChildren(el('p', { class: 'loading' }, t.loading));
  void ctx.api.clients.history
    .query({ id })
    .then(({ client, tickets, chatSessions }) => {
      if (ctx.signal.aborted) return;
      main.replaceChildren(
        el('p', { class: 'crumbs' }, el('a', { href: '#/' }, t.ticket.back)),
        el('h1', {}, client.name || client.email || t.clientPage.fallback),
        el('p', {}, [client.email, client.phone].filter(Boolean).join(' · '), t.clientPage.totals(client.totalTickets, chatSessions.length)),
        el(
          'ul',
          { class: 'history-list' },
          ...tickets.map((t) =>
            el(
              'li',
              {},
              el('a', { href: `#/tickets/${t.number}` }, `#${t.number} ${t.subject}`),
              ' ',
              sourceBadge(t.source),
              ' ',
              statusBadge(t.status),
              ' ',
              el('time', { datetime: t.createdAt }, formatDateTime(t.createdAt)),
            ),
          ),
        ),
        ...chatList(chatSessions, tickets),
      );
    })
    .catch((error) => {
      main.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorMessage(error)));
      ctx.fail(error);
    });
}

/** The customer's chats, newest first: when, which ticket, verified or not, how matched, what was typed. */
function chatList(sessions: ChatSessionSummary[], tickets: TicketSummary[]): HTMLElement[] {
  if (!sessions.length) return [];
  const numbers = new Map(tickets.map((t) => [t.id, t.number]));
  return [
    el('h2', {}, t.clientPage.chats),
    el(
      'ul',
      { class: 'history-list chat-history' },
      ...sessions.map((s) => {
        const number = numbers.get(s.ticketId);
        return el(
          'li',
          { 'data-session': s.id },
          el('time', { datetime: s.startedAt }, formatDateTime(s.startedAt)),
          ' ',
          number ? el('a', { href: `#/tickets/${number}` }, `#${number}`) : null,
          ' ',
          identityBadges(s),
          ` · ${t.clientPage.typed} ${s.typed.name} · ${s.typed.email} · ${s.typed.phone}`,
        );
      }),
    ),
  ];
}
