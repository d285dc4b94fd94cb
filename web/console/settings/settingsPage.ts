import { el } from '../../common/dom.js';
import { t } from '../i18n/index.js';
import type { PageContext } from '../main.js';
import { setPageTitle } from '../shift/pageTitle.js';
import { agentsSettings } from './agentsSettings.js';
import { cannedSettings } from './cannedSettings.js';

/** `#/settings`: the team's canned responses (any agent), and the agents (admins only). */
export function renderSettingsPage(main: HTMLElement, ctx: PageContext) {
  setPageTitle(t.settings.title.toLowerCase());
  main.replaceChildren(
    el('h1', {}, t.settings.title),
    cannedSettings(ctx),
    ctx.me.role === 'admin' ? agentsSettings(ctx) : el('p', { class: 'hint' }, t.settings.adminOnly),
  );
}
