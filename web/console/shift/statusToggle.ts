import type { Agent } from '../../../shared/agentApi.js';
import { el } from '../../common/dom.js';
import type { Api } from '../api.js';
import { t } from '../i18n/index.js';
import { routingApi, unlessMissing, type PresenceStatus } from './routingApi.js';

const STATUSES: PresenceStatus[] = ['online', 'away', 'offline'];

/**
 * The header's "Disponibilidade": Online / Ausente / Offline, read from and written to the server
 * (`agents.presence`, `agents.setStatus`), so a reload or another tab shows the same. Stays
 * hidden on a node without presence.
 */
export function statusToggle(api: Api, me: Agent, fail: (error: unknown) => void): HTMLElement {
  const select = el('select', { id: 'my-status', class: 'my-status' }, ...STATUSES.map((s) => el('option', { value: s }, t.presence[s])));
  const wrapper = el('span', { class: 'status-toggle', hidden: true }, el('label', { for: 'my-status' }, t.shell.myStatus), select);
  const routing = routingApi(api);

  function show(status: PresenceStatus) {
    select.value = status;
    select.dataset.status = status;
    wrapper.hidden = false;
  }

  select.addEventListener('change', async () => {
    const wanted = select.value as PresenceStatus;
    select.disabled = true;
    try {
      const { status } = await routing.agents.setStatus.mutate({ status: wanted });
      show(status);
    } catch (error) {
      fail(error);
    } finally {
      select.disabled = false;
    }
  });

  void unlessMissing(routing.agents.presence.query())
    .then((team) => {
      const mine = team?.find((member) => member.id === me.id);
      if (mine) show(mine.status);
    })
    .catch(fail);
  return wrapper;
}
