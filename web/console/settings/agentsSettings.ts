import type { Agent, AgentRole } from '../../../shared/agentApi.js';
import { el, setText } from '../../common/dom.js';
import { errorMessage } from '../api.js';
import { t } from '../i18n/index.js';
import type { PageContext } from '../main.js';
import { routingApi, unlessMissing, type AgentPresence } from '../shift/routingApi.js';

const s = t.settings;
const ROLES: AgentRole[] = ['agent', 'admin'];

/**
 * The team, for admins: each agent's name, role and chat capacity (edited through
 * `agents.update`, on a node that has PROTOCOL §8's presence — read-only otherwise), revoking
 * a token, and adding an agent (its token shown once).
 */
export function agentsSettings(ctx: PageContext): HTMLElement {
  const tbody = el('tbody');
  const created = el('div', { class: 'token-once', role: 'status' });
  const section = el(
    'section',
    { class: 'settings-section', 'aria-labelledby': 'agents-title' },
    el('h2', { id: 'agents-title' }, s.agents),
    el(
      'table',
      { class: 'tickets settings-table' },
      el('thead', {}, el('tr', {}, ...[s.agentName, s.agentEmail, s.role, s.capacity, s.state, s.actions].map((h) => el('th', { scope: 'col' }, h)))),
      tbody,
    ),
    newAgentForm(ctx, async (agent, token) => {
      created.replaceChildren(el('p', {}, s.tokenOnce(agent.name)), el('code', { class: 'token' }, token));
      await load();
    }),
    created,
  );

  function row(agent: Agent, presence: AgentPresence | undefined, editable: boolean): HTMLTableRowElement {
    const id = `agent-${agent.id}`;
    const name = el('input', { id: `${id}-name`, 'aria-label': `${s.agentName} (${agent.email})`, maxlength: '120', required: true });
    const role = el('select', { id: `${id}-role`, 'aria-label': `${s.role} (${agent.email})` }, ...ROLES.map((r) => el('option', { value: r }, s.roles[r])));
    const capacity = el('input', { id: `${id}-capacity`, type: 'number', min: '0', max: '1000', 'aria-label': `${s.capacity} (${agent.email})` });
    name.value = agent.name;
    role.value = agent.role;
    // The agent's own capacity if it has one; else empty, showing the team default it gets.
    const own = (agent as Agent & { capacity?: number | null }).capacity;
    capacity.value = own === null || own === undefined ? '' : String(own);
    capacity.placeholder = String(presence?.capacity ?? '');
    const save = el('button', { type: 'button', class: 'small' }, s.save);
    const revoke = el('button', { type: 'button', class: 'secondary small', 'aria-label': s.revokeOf(agent.name) }, s.revoke);
    const error = el('p', { class: 'error', role: 'alert' });
    const active = !agent.revokedAt;
    const canEdit = editable && active;

    save.addEventListener('click', () =>
      act(save, error, async () => {
        await routingApi(ctx.api).agents.update.mutate({
          id: agent.id,
          name: name.value.trim(),
          role: role.value as AgentRole,
          capacity: capacity.value === '' ? null : Number(capacity.value),
        });
        await load();
      }),
    );
    revoke.addEventListener('click', () =>
      act(revoke, error, async () => {
        await ctx.api.agents.revoke.mutate({ id: agent.id });
        await load();
      }),
    );
    return el(
      'tr',
      { 'data-agent': agent.id, 'data-state': active ? 'active' : 'revoked' },
      el('td', {}, canEdit ? name : agent.name),
      el('td', {}, agent.email),
      el('td', {}, canEdit && agent.id !== ctx.me.id ? role : s.roles[agent.role]),
      el('td', {}, canEdit ? capacity : String(presence?.capacity ?? '—')),
      el('td', {}, active ? s.active : s.revoked),
      el('td', { class: 'actions' }, canEdit ? save : null, ' ', active && agent.id !== ctx.me.id ? revoke : null, error),
    );
  }

  async function load() {
    const [agents, presence] = await Promise.all([ctx.api.agents.list.query(), unlessMissing(routingApi(ctx.api).agents.presence.query())]);
    const byId = new Map((presence ?? []).map((p) => [p.id, p]));
    tbody.replaceChildren(...agents.map((agent) => row(agent, byId.get(agent.id), presence !== undefined)));
    section.setAttribute('data-loaded', String(agents.length));
  }

  void load().catch(ctx.fail);
  return section;
}

async function act(button: HTMLButtonElement, error: HTMLElement, action: () => Promise<void>) {
  button.disabled = true;
  setText(error, '');
  try {
    await action();
  } catch (thrown) {
    setText(error, errorMessage(thrown));
    button.disabled = false;
  }
}

function newAgentForm(ctx: PageContext, onCreated: (agent: Agent, token: string) => Promise<void>): HTMLFormElement {
  const name = el('input', { id: 'new-agent-name', required: true, maxlength: '120', autocomplete: 'off' });
  const email = el('input', { id: 'new-agent-email', type: 'email', required: true, autocomplete: 'off' });
  const role = el('select', { id: 'new-agent-role' }, ...ROLES.map((r) => el('option', { value: r }, s.roles[r])));
  const error = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit' }, s.create);
  const form = el(
    'form',
    { class: 'settings-form', 'aria-labelledby': 'new-agent-title' },
    el('h3', { id: 'new-agent-title' }, s.newAgent),
    el('label', { for: name.id }, s.agentName),
    name,
    el('label', { for: email.id }, s.agentEmail),
    email,
    el('label', { for: role.id }, s.role),
    role,
    error,
    el('div', { class: 'form-actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void act(submit, error, async () => {
      const result = await ctx.api.agents.create.mutate({ name: name.value.trim(), email: email.value.trim(), role: role.value as AgentRole });
      form.reset();
      submit.disabled = false;
      await onCreated(result.agent, result.token);
    });
  });
  return form;
}
