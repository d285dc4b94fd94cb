import { resolveLocale } from '../../shared/messages.js';
import { createConnection } from './connection.js';
import { uiText } from './i18n.js';
import { EMPTY_CONTACT, initialState, reducer, sameEmail, toStore, type Action, type WidgetState } from './state.js';
import { createStore } from './storage.js';
import { createFormValidator } from './validation.js';
import { createView } from './view.js';

/**
 * The embeddable widget: `<script src="https://HOST/widget.js" data-atende-url="https://HOST"
 * data-locale="pt-BR" data-phone-region="BR" async></script>` adds a launcher button.
 *
 * A host page may vouch for a signed-in shopper (PROTOCOL §7) with `data-identity-email`,
 * `data-identity-name`, `data-identity-phone`, `data-identity-hash` on that tag, or with
 * `window.Atende.identify({ email, name?, phone?, identityHash })` before the chat starts.
 * A page that may call it before this script has run defines the queue this script drains:
 * `window.Atende = window.Atende || { q: [], identify: function (i) { this.q.push(i) } };`
 */

const TYPING_IDLE_MS = 3000;

// Read while this script runs: afterwards `currentScript` is null.
const script = (document.currentScript ??
  document.querySelector('script[data-atende-url], script[src*="widget.js"]')) as HTMLScriptElement | null;

export interface AtendeIdentity {
  email: string;
  name?: string;
  phone?: string;
  /** Hex HMAC-SHA256 of the e-mail with the Atende node's IDENTITY_SECRET, computed by the host's server. */
  identityHash: string;
}

declare global {
  interface Window {
    __atendeWidget?: boolean;
    Atende?: { q?: unknown[]; identify(identity: AtendeIdentity): void };
  }
}

function boot(q: unknown[]): (identity: unknown) => void {
  const url = (script?.dataset.atendeUrl || (script?.src ? new URL(script.src).origin : location.origin)).replace(/\/+$/, '');
  const locale = resolveLocale(script?.dataset.locale ?? document.documentElement.lang);
  const region = (script?.dataset.phoneRegion || 'BR').toUpperCase();
  const t = uiText(locale);
  const validator = createFormValidator(locale, region);
  const storage = createStore(url);

  const saved = storage.load();
  let state: WidgetState = initialState(saved);
  if (saved.contact) state = { ...state, form: { ...state.form, errors: validator.contact(state.form.values) } };

  const host = document.createElement('div');
  host.id = 'atende-widget';
  host.setAttribute('lang', locale);
  document.body.append(host);

  const dispatch = (action: Action) => {
    state = reducer(state, action);
    view.render(state);
    persist(action);
  };
  const connection = createConnection({ url, locale, getState: () => state, dispatch, text: { failed: t.failed } });

  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let typingSent = false;
  const stopTyping = () => {
    clearTimeout(typingTimer);
    if (typingSent) connection.typing(false);
    typingSent = false;
  };

  const view = createView(host, t, {
    toggle(open) {
      if (open) connection.connect();
      dispatch({ type: 'toggle', open });
    },
    fieldChanged(field, value) {
      const values = { ...state.form.values, [field]: value };
      dispatch({ type: 'fieldChanged', field, value, errors: validator.contact(values) });
    },
    fieldBlurred(field) {
      dispatch({ type: 'fieldBlurred', field });
    },
    submit() {
      if (state.phase !== 'form') return;
      const errors = validator.contact(state.form.values);
      if (Object.keys(errors).length) {
        dispatch({ type: 'submitInvalid', errors });
        view.focusInvalid(state);
        return;
      }
      const identityHash = state.identity?.hash;
      void connection.start({ ...validator.payload(state.form.values), ...(identityHash && { identityHash }) });
    },
    send(body) {
      const error = validator.body(body);
      if (error) return dispatch({ type: 'chatError', error });
      stopTyping();
      connection.send(body);
    },
    typing() {
      if (!typingSent) connection.typing(true);
      typingSent = true;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
    },
    endChat() {
      stopTyping();
      void connection.close();
    },
    newChat() {
      dispatch({ type: 'newChat' });
    },
    forget() {
      dispatch({ type: 'forget' });
    },
  });

  function persist(action: Action) {
    storage.save(toStore(state, action, storage.load().contact));
  }

  const identify = (input: unknown) => {
    const i = input as Partial<Record<keyof AtendeIdentity, unknown>> | null;
    if (typeof i?.email != 'string') return;
    // Another person's e-mail: none of the stored contact data is theirs.
    const values = { ...(sameEmail(i.email, state.form.values.email) ? state.form.values : EMPTY_CONTACT), email: i.email };
    if (typeof i.name == 'string' && i.name) values.name = i.name;
    if (typeof i.phone == 'string' && i.phone) values.phone = i.phone;
    // A malformed hash would only be refused by the server: the chat goes unverified instead.
    const hash = String(i.identityHash);
    const identity = /^[\da-f]{64}$/i.test(hash) ? { email: i.email, hash } : undefined;
    dispatch({ type: 'identify', values, errors: validator.contact(values), identity });
  };

  view.render(state);
  // Identities first: a stored chat of someone else is dropped before it would be resumed.
  q.splice(0).forEach(identify);
  // A visitor with a chat reattaches at once (and sees replies that came meanwhile); others
  // connect only when they open the widget.
  if (state.session) connection.connect();
  return identify;
}

if (!window.__atendeWidget) {
  // Pasted twice: one widget. `window.Atende` exists as soon as this script ran; what was
  // identified before the widget booted waits in `q`.
  window.__atendeWidget = true;
  const data = script?.dataset;
  const q: unknown[] = data?.identityEmail
    ? [{ email: data.identityEmail, name: data.identityName, phone: data.identityPhone, identityHash: data.identityHash }]
    : [];
  const queued = window.Atende?.q;
  if (Array.isArray(queued)) q.push(...queued);
  let apply: ((identity: unknown) => void) | undefined;
  window.Atende = { q, identify: (identity) => (apply ? apply(identity) : q.push(identity)) };
  const start = () => (apply = boot(q));
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}
