import type { TicketDetail } from '../../shared/agentApi.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from '../../shared/tickets.js';
import { el } from '../common/dom.js';
import { formatDateTime, PRIORITY_LABELS, STATUS_LABELS } from './labels.js';
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
    show(t: TicketDetail) {
      header.replaceChildren(
        el('p', { class: 'crumbs' }, el('a', { href: '#/' }, '← Tickets')),
        el('h1', {}, `#${t.number} `, el('span', { class: 'subject' }, t.subject)),
        el('div', { class: 'badges' }, sourceBadge(t.source), statusBadge(t.status), t.escalated ? el('span', { class: 'escalated' }, 'escalado') : null),
        el(
          'div',
          { class: 'controls' },
          el('label', { for: 'status' }, 'Status'),
          select('status', TICKET_STATUSES, STATUS_LABELS, t.status, (status) => ({ status })),
          el('label', { for: 'priority' }, 'Prioridade'),
          select('priority', TICKET_PRIORITIES, PRIORITY_LABELS, t.priority, (priority) => ({ priority })),
        ),
      );
      const client = t.client;
      details.replaceChildren(
        ...pair('Cliente', el('a', { href: `#/clients/${client.id}` }, client.name || client.email || '—')),
        ...pair('E-mail', client.email ?? '—'),
        ...pair('Telefone', client.phone ?? '—'),
        ...pair('Tickets do cliente', String(client.totalTickets)),
        ...pair('Categoria', t.category ?? '—'),
        ...pair('Criado', formatDateTime(t.createdAt)),
        ...pair('Descrição', t.description || '—'),
      );
      audit.replaceChildren(
        ...t.events.map((e) => el('li', {}, el('time', { datetime: e.createdAt }, formatDateTime(e.createdAt)), ` ${e.type} (${e.actorType})`)),
      );
    },
  };
}

function pair(term: string, value: string | Node): HTMLElement[] {
  return [el('dt', {}, term), el('dd', {}, value)];
}
