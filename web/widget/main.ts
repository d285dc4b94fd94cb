import { resolveLocale } from '../../shared/messages.js';
import { createConnection } from './connection.js';
import { uiText } from './i18n.js';
import { EMPTY_CONTACT, initialState, reducer, sameEmail, toStore, type Action, type WidgetState } from './state.js';
import { createStore } from './storage.js';
import { createFormValidator } from './validation.js';
import type { AtendeIdentity } from './loader.js';
import { createView } from './view.js';

/**
 * The widget itself, an ES module (with its chunks) that widget.js, the loader site owners
 * paste, imports: see loader.ts for the tag and `window.Atende.identify`.
 */

const TYPING_IDLE_MS = 3000;

/**
 * Starts the widget on this page: `script` is the tag that loaded widget.js (its data-*
 * attributes), `q` the identities given before now. Returns what `Atende.identify` calls from now on.
 */
export function boot(script: HTMLScriptElement | null, q: unknown[]): (identity: unknown) => void {
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

  const view = createView(host, locale, t, {
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
    rate(score, comment) {
      void connection.rate(score, comment);
    },
    skipRating() {
      dispatch({ type: 'ratingSkipped' });
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
