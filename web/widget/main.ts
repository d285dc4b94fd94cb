import { resolveLocale } from '../../shared/messages.js';
import { createConnection } from './connection.js';
import { uiText } from './i18n.js';
import { initialState, reducer, type Action, type WidgetState } from './state.js';
import { createStore } from './storage.js';
import { createFormValidator } from './validation.js';
import { createView } from './view.js';

/**
 * The embeddable widget: `<script src="https://HOST/widget.js" data-atende-url="https://HOST"
 * data-locale="pt-BR" data-phone-region="BR" async></script>` adds a launcher button.
 */

const TYPING_IDLE_MS = 3000;

// Read while this script runs: afterwards `currentScript` is null.
const script = (document.currentScript ??
  document.querySelector('script[data-atende-url], script[src*="widget.js"]')) as HTMLScriptElement | null;

declare global {
  interface Window {
    __atendeWidget?: boolean;
  }
}

function boot() {
  if (window.__atendeWidget) return; // pasted twice: one widget
  window.__atendeWidget = true;

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
      void connection.start(validator.payload(state.form.values));
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
  });

  function persist(action: Action) {
    const contact = action.type === 'started' ? state.form.values : storage.load().contact;
    storage.save({ contact, session: state.session, pending: state.pending.filter((p) => p.state !== 'failed') });
  }

  view.render(state);
  // A visitor with a chat reattaches at once (and sees replies that came meanwhile); others
  // connect only when they open the widget.
  if (state.session) connection.connect();
}

if (document.body) boot();
else document.addEventListener('DOMContentLoaded', boot, { once: true });
