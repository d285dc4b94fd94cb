import './console.css';
import type { Agent } from '../../shared/agentApi.js';
import { el } from '../common/dom.js';
import { createApi, errorMessage, isUnauthorized, type Api } from './api.js';
import { renderClientPage } from './clientPage.js';
import { lang, t } from './i18n/index.js';
import { renderListPage } from './listPage.js';
import { renderSettingsPage } from './settings/settingsPage.js';
import { alertsMenu } from './shift/alerts.js';
import { liveRegion } from './shift/announcer.js';
import { setPageTitle } from './shift/pageTitle.js';
import { createShiftWatch, type ShiftWatch } from './shift/shiftWatch.js';
import { statusToggle } from './shift/statusToggle.js';
import { renderTicketPage } from './ticketPage.js';

/**
 * The agent console at /console: sign in with an API token (kept in sessionStorage, so
 * only for this tab's session), then hash-routed pages — `#/` the ticket list,
 * `#/tickets/123` a ticket, `#/clients/<id>` a customer's history, `#/settings`, `#/reports`
 * the reports (a chunk of its own, with its charting library, loaded when first opened). The
 * header (status, alerts) and the shift's event stream live as long as the sign-in.
 */

const TOKEN_KEY = 'atende.console.token';
const app = document.getElementById('app')!;
document.documentElement.lang = lang;

export interface PageContext {
  api: Api;
  /** The signed-in agent. */
  me: Agent;
  /** The shift's one event stream and unread counts. */
  shift: ShiftWatch;
  /** Aborted when the agent leaves the page: subscriptions and timers stop. */
  signal: AbortSignal;
  /** Reports an error; signs out when the token stopped working. */
  fail(error: unknown): void;
  navigate(hash: string): void;
}

let leave: AbortController | undefined;
let session: { api: Api; me: Agent; shift: ShiftWatch; main: HTMLElement } | undefined;

async function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showSignIn();
  try {
    const api = createApi(token);
    const me = await api.agents.me.query();
    const shift = createShiftWatch(api, me, fail);
    session = { api, me, shift, main: shell(api, me) };
    route();
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(isUnauthorized(error) ? t.signIn.invalid : errorMessage(error));
  }
}

function showSignIn(error = '') {
  leave?.abort();
  session?.shift.stop();
  session = undefined;
  const input = el('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-error' });
  const message = el('p', { id: 'token-error', class: 'error', role: 'alert' }, error);
  const button = el('button', { type: 'submit' }, t.signIn.submit);
  const form = el(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    el('h1', { id: 'signin-title' }, t.signIn.title),
    el('p', {}, t.signIn.intro),
    el('label', { for: 'token' }, t.signIn.token),
    input,
    message,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    sessionStorage.setItem(TOKEN_KEY, token);
    void start();
  });
  app.replaceChildren(el('main', { class: 'signin-page' }, form));
  setPageTitle(t.signIn.page);
  input.focus();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn();
}

function fail(error: unknown) {
  if (isUnauthorized(error)) return signOut();
  showToast(errorMessage(error));
}

/** The header and the page's place, once per sign-in. */
function shell(api: Api, me: Agent): HTMLElement {
  const main = el('main', { id: 'main', tabindex: '-1' });
  const signOutButton = el('button', { type: 'button', class: 'link' }, t.shell.signOut);
  signOutButton.addEventListener('click', signOut);
  // Not a hash link: the hash is the console's route.
  const skip = el('a', { href: '#main', class: 'skip-link' }, t.shell.skip);
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    session?.main.focus();
  });
  app.replaceChildren(
    skip,
    el(
      'header',
      { class: 'topbar' },
      el('a', { href: '#/', class: 'brand' }, 'Atende'),
      el(
        'nav',
        { 'aria-label': t.shell.nav },
        el('a', { href: '#/' }, t.shell.tickets),
        el('a', { href: '#/reports' }, t.shell.reports),
        el('a', { href: '#/settings' }, t.shell.settings),
      ),
      statusToggle(api, me, fail),
      alertsMenu(),
      el('span', { class: 'who' }, me.name),
      signOutButton,
    ),
    main,
    liveRegion(),
  );
  return main;
}

function route() {
  if (!session) return;
  leave?.abort();
  leave = new AbortController();
  const { main } = session;
  // A fresh element per page: nothing of the previous page's state (attributes, listeners) stays.
  const page = el('main', { id: 'main', tabindex: '-1' });
  main.replaceWith(page);
  session.main = page;
  const ctx: PageContext = {
    api: session.api,
    me: session.me,
    shift: session.shift,
    signal: leave.signal,
    fail,
    navigate(hash) {
      location.hash = hash;
    },
  };
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const ticket = /^\/tickets\/(\d+)$/.exec(path ?? '');
  const client = /^\/clients\/([\w-]+)$/.exec(path ?? '');
  if (path === '/reports') {
    const signal = ctx.signal;
    import('./reports/reportsPage.js').then(({ renderReportsPage }) => {
      if (!signal.aborted) renderReportsPage(page, ctx, new URLSearchParams(query));
    }, ctx.fail);
  } else if (ticket) renderTicketPage(page, ctx, Number(ticket[1]));
  else if (client) renderClientPage(page, ctx, client[1]!);
  else if (path === '/settings') renderSettingsPage(page, ctx);
  else renderListPage(page, ctx, new URLSearchParams(query));
}

function showToast(message: string) {
  const toast = el('div', { class: 'toast', role: 'alert' }, message);
  document.body.append(toast);
  setTimeout(() => toast.remove(), 6000);
}

window.addEventListener('hashchange', route);
void start();
