import { el } from '../common/dom.js';
import { errorMessage } from './api.js';
import { formatDateTime } from './labels.js';
import { sourceBadge, statusBadge } from './listPage.js';
import type { PageContext } from './main.js';

/** A customer's history: every ticket of every channel, newest first, each linking to its page. */
export function renderClientPage(main: HTMLElement, ctx: PageContext, id: string) {
  document.title = 'Atende — cliente';
  main.replaceChildren(el('p', { class: 'loading' }, 'Carregando…'));
  void ctx.api.clients.history
    .query({ id })
    .then(({ client, tickets, chatSessions }) => {
      if (ctx.signal.aborted) return;
      main.replaceChildren(
        el('p', { class: 'crumbs' }, el('a', { href: '#/' }, '← Tickets')),
        el('h1', {}, client.name || client.email || 'Cliente'),
        el('p', {}, [client.email, client.phone].filter(Boolean).join(' · '), ` · ${client.totalTickets} ticket(s) · ${chatSessions.length} conversa(s)`),
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
      );
    })
    .catch((error) => {
      main.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorMessage(error)));
      ctx.fail(error);
    });
}
