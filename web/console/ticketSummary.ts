import type { TicketDetail } from '../../shared/agentApi.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from '../../shared/tickets.js';
import { el } from '../common/dom.js';
import { formatDateTime, PRIORITY_LABELS, STATUS_LABELS } from './labels.js';
import { t } from './i18n/index.js';
import { sourceBadge, statusBadge } from './listPage.js';

export type TicketChange = { status?: TicketStatus; priority?: TicketPriority };

/** The ticket's heading with its status and priority controls, its details, and its audit trail. */
export function createTicketSummary(onChange: (change: TicketChange, control: HTMLSelectElement) => void) {
  const header = el('div', { class: 'ticket-header' });
  const details = el('dl', { class: 'details' });
  const audit = el('ol', { class: 'audit' });

  function select<T extends string>(id: string, values: readonly T[], labels: Record<T, string>, current: T, change: (value: T) => TicketChange) {
    const control = el('select', { id }, ...values.map((value) => el('option', { value }, labels[value])));
    control.value = current;
    control.addEventListener('change', () => onChange(change(control.value as T), control));
    return control;
  }

  return {
    header,
    details,
    audit,
    show(detail: TicketDetail) {
      header.replaceChildren(
        el('p', { class: 'crumbs' }, el('a', { href: '#/' }, t.ticket.back)),
        el('h1', {}, `#${detail.number} `, el('span', { class: 'subject' }, detail.subject)),
        el('div', { class: 'badges' }, sourceBadge(detail.source), statusBadge(detail.status), detail.escalated ? el('span', { class: 'escalated' }, t.ticket.escalated) : null),
        el(
          'div',
          { class: 'controls' },
          el('label', { for: 'status' }, t.ticket.status),
          select('status', TICKET_STATUSES, STATUS_LABELS, detail.status, (status) => ({ status })),
          el('label', { for: 'priority' }, t.ticket.priority),
          select('priority', TICKET_PRIORITIES, PRIORITY_LABELS, detail.priority, (priority) => ({ priority })),
        ),
      );
      const client = detail.client;
      details.replaceChildren(
        ...pair(t.ticket.client, el('a', { href: `#/clients/${client.id}` }, client.name || client.email || '—')),
        ...pair(t.ticket.email, client.email ?? '—'),
        ...pair(t.ticket.phone, client.phone ?? '—'),
        ...pair(t.ticket.clientTickets, String(client.totalTickets)),
        ...pair(t.ticket.category, detail.category ?? '—'),
        ...pair(t.ticket.created, formatDateTime(detail.createdAt)),
        ...pair(t.ticket.description, detail.description || '—'),
      );
      audit.replaceChildren(
        ...detail.events.map((e) => el('li', {}, el('time', { datetime: e.createdAt }, formatDateTime(e.createdAt)), ` ${t.events[e.type] ?? e.type} (${t.actors[e.actorType]})`)),
      );
    },
  };
}

function pair(term: string, value: string | Node): HTMLElement[] {
  return [el('dt', {}, term), el('dd', {}, value)];
}
