import type { TicketDetail } from '../../../shared/agentApi.js';
import { el } from '../../common/dom.js';
import { t } from '../i18n/index.js';
import type { PageContext } from '../main.js';
import type { TeamMember } from '../shift/agentDirectory.js';

/**
 * Who answers the ticket: "Responsável" (nobody or any agent of the team: assign, transfer,
 * unassign) and "Assumir" to take it oneself, through `tickets.assign`. The other agents'
 * consoles learn of it from their streams (`ticket.assigned`).
 */
export function createAssignControl(ctx: PageContext, onAssigned: () => Promise<void>) {
  const select = el('select', { id: 'assignee' });
  const take = el('button', { type: 'button', class: 'secondary', hidden: true }, t.ticket.take);
  const element = el('div', { class: 'controls assign' }, el('label', { for: 'assignee' }, t.ticket.assignee), select, take);
  let ticket: TicketDetail | undefined;
  let team: TeamMember[] = [{ id: ctx.me.id, name: ctx.me.name }];

  async function assign(assigneeId: string | null, control: HTMLSelectElement | HTMLButtonElement) {
    if (!ticket) return;
    control.disabled = true;
    try {
      await ctx.api.tickets.assign.mutate({ id: ticket.id, assigneeId });
      await onAssigned();
    } catch (error) {
      ctx.fail(error);
      render();
    } finally {
      control.disabled = false;
    }
  }

  function render() {
    if (!ticket) return;
    const current = ticket.assigneeId;
    const members = current && !team.some((m) => m.id === current) ? [...team, { id: current, name: '…' }] : team;
    select.replaceChildren(
      el('option', { value: '' }, t.ticket.nobody),
      ...members.map((m) => el('option', { value: m.id }, m.id === ctx.me.id ? t.ticket.me(m.name) : m.name)),
    );
    select.value = current ?? '';
    take.hidden = current === ctx.me.id;
    element.dataset.assignee = current ?? '';
  }

  select.addEventListener('change', () => void assign(select.value || null, select));
  take.addEventListener('click', () => void assign(ctx.me.id, take));

  return {
    element,
    show(fresh: TicketDetail) {
      ticket = fresh;
      render();
    },
    setTeam(members: TeamMember[]) {
      team = members.some((m) => m.id === ctx.me.id) ? members : [{ id: ctx.me.id, name: ctx.me.name }, ...members];
      render();
    },
  };
}
