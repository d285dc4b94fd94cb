import './console.css';
import { el } from '../common/dom.js';
import { createApi, errorMessage, isUnauthorized, type Api } from './api.js';
import { renderClientPage } from './clientPage.js';
import { renderListPage } from './listPage.js';
import { REPORTS_NAV_LABEL } from './reports/nav.js';
import { renderTicketPage } from './ticketPage.js';

/**
 * The agent console at /console: sign in with an API token (kept in sessionStorage, so
 * only for this tab's session), then hash-routed pages — `#/` the ticket list,
 * `#/tickets/123` a ticket, `#/clients/<id>` a customer's history, `#/reports` the reports
 * (a chunk of its own, with its charting library, loaded when first opened).
 */

const TOKEN_KEY = 'atende.console.token';
const app = document.getElementById('app')!;

export interface PageContext {
  api: Api;
  /** Aborted when the agent leaves the page: subscriptions and timers stop. */
  signal: AbortSignal;
  /** Reports an error; signs out when the token stopped working. */
  fail(error: unknown): void;
  navigate(hash: string): void;
}

let leave: AbortController | undefined;
let session: { api: Api; agentName: string } | undefined;

async function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showSignIn();
  try {
    const api = createApi(token);
    const me = await api.agents.me.query();
    session = { api, agentName: me.name };
    route();
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(isUnauthorized(error) ? 'Token inválido ou revogado.' : errorMessage(error));
  }
}

function showSignIn(error = '') {
  leave?.abort();
  session = undefined;
  const input = el('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-error' });
  const message = el('p', { id: 'token-error', class: 'error', role: 'alert' }, error);
  const button = el('button', { type: 'submit' }, 'Entrar');
  const form = el(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    el('h1', { id: 'signin-title' }, 'Atende'),
    el('p', {}, 'Console de atendimento. Entre com o seu token de API.'),
    el('label', { for: 'token' }, 'Token de API'),
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
  document.title = 'Atende — entrar';
  input.focus();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn();
}

function route() {
  if (!session) return;
  leave?.abort();
  leave = new AbortController();
  const main = el('main', { id: 'main', tabindex: '-1' });
  const signOutButton = el('button', { type: 'button', class: 'link' }, 'Sair');
  signOutButton.addEventListener('click', signOut);
  app.replaceChildren(
    el(
      'header',
      { class: 'topbar' },
      el('a', { href: '#/', class: 'brand' }, 'Atende'),
      el('nav', { 'aria-label': 'Principal' }, el('a', { href: '#/' }, 'Tickets'), ' ', el('a', { href: '#/reports' }, REPORTS_NAV_LABEL)),
      el('span', { class: 'who' }, session.agentName),
      signOutButton,
    ),
    main,
  );
  const ctx: PageContext = {
    api: session.api,
    signal: leave.signal,
    fail(error) {
      if (isUnauthorized(error)) return signOut();
      showToast(errorMessage(error));
    },
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
      if (!signal.aborted) renderReportsPage(main, ctx, new URLSearchParams(query));
    }, ctx.fail);
  } else if (ticket) renderTicketPage(main, ctx, Number(ticket[1]));
  else if (client) renderClientPage(main, ctx, client[1]!);
  else renderListPage(main, ctx, new URLSearchParams(query));
}

function showToast(message: string) {
  const toast = el('div', { class: 'toast', role: 'alert' }, message);
  document.body.append(toast);
  setTimeout(() => toast.remove(), 6000);
}

window.addEventListener('hashchange', route);
void start();
