import type { Locale } from '../../shared/messages.js';
import { el, setAttr, setText } from '../common/dom.js';
import type { UiText } from './i18n.js';
import { createChatView } from './chatView.js';
import { lazyPart } from './lazy/lazyPart.js';
import { createPrechatView } from './prechatView.js';
import type { Field, WidgetState } from './state.js';
import { WIDGET_CSS } from './styles.js';

export interface ViewHandlers {
  toggle(open: boolean): void;
  fieldChanged(field: Field, value: string): void;
  fieldBlurred(field: Field): void;
  submit(): void;
  send(body: string): void;
  typing(): void;
  endChat(): void;
  newChat(): void;
  /** "Not me": forget the stored contact data and identity. */
  forget(): void;
  /** The end-of-chat rating (PROTOCOL §9). */
  rate(score: number, comment: string): void;
  skipRating(): void;
}

/**
 * The widget's DOM in a shadow root, built once and brought up to date by `render(state)`.
 * Every visitor- or agent-written string reaches the page through textContent only.
 */
export function createView(host: HTMLElement, locale: Locale, t: UiText, on: ViewHandlers) {
  const root = host.attachShadow({ mode: 'open' });
  const style = el('style');
  style.textContent = WIDGET_CSS;

  const dot = el('span', { class: 'dot', hidden: true, 'aria-hidden': 'true' });
  const launcher = el(
    'button',
    { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'atende-panel' },
    t.launcher,
    dot,
  );
  const ticket = el('span', { class: 'ticket', hidden: true });
  const minimize = el('button', { type: 'button', class: 'icon', 'aria-label': t.minimize, title: t.minimize }, '–');
  const conn = el('p', { class: 'conn', role: 'status', hidden: true });

  const prechat = createPrechatView(t, on);

  const chat = createChatView(t, on);
  // Where the rating part goes once it has arrived, at the end of the chat.
  const ratingSlot = el('div', { class: 'rating-slot', hidden: true });
  chat.element.append(ratingSlot);

  const panel = el(
    'section',
    { id: 'atende-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'atende-title', hidden: true },
    el('header', {}, el('h2', { id: 'atende-title' }, t.title), ticket, minimize),
    conn,
    prechat.element,
    chat.element,
  );
  root.append(style, panel, launcher);

  launcher.addEventListener('click', () => on.toggle(true));
  minimize.addEventListener('click', () => on.toggle(false));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') on.toggle(false);
  });

  let previous: WidgetState | undefined;
  let seenOthers = 0;

  const queuePart = lazyPart(
    () => import('./lazy/queue.js').then((part) => ({ css: part.css, text: part.queueText(locale) })),
    (part) => {
      root.append(el('style', {}, part.css));
      if (previous) view.render(previous);
    },
  );

  let ratingView: { element: HTMLElement; render(rating: WidgetState['rating']): void } | undefined;
  const ratingPart = lazyPart(
    () => import('./lazy/rating.js'),
    (part) => {
      root.append(el('style', {}, part.css));
      ratingView = part.createRatingView(locale, { rate: on.rate, skip: on.skipRating });
      ratingSlot.append(ratingView.element);
      if (previous) view.render(previous);
    },
  );

  const view = {
    render(state: WidgetState) {
      const before = previous;
      previous = state;
      const inChat = state.phase === 'chat';
      const closed = state.status === 'closed';

      setAttr(launcher, 'aria-expanded', String(state.open));
      panel.hidden = !state.open;
      const others = state.messages.filter((m) => m.senderType !== 'client').length;
      if (state.open) seenOthers = others;
      dot.hidden = state.open || others <= seenOthers;

      setText(ticket, state.session ? `${t.ticket}${state.session.ticketNumber}` : '');
      ticket.hidden = !state.session || !inChat;

      const connText = state.connection === 'offline' ? t.offline : state.connection === 'connecting' && inChat && !closed ? t.connecting : '';
      setText(conn, connText);
      conn.hidden = !connText;

      prechat.element.hidden = inChat;
      chat.element.hidden = !inChat;
      prechat.render(state);
      if (inChat) chat.render(state, waitsForAgent(state) ? queuePart.get()?.text : undefined);
      // A chat that ended while it was shown asks for a rating (skipped or given: asked no more).
      const asksRating = inChat && closed && state.rating !== 'skipped';
      ratingSlot.hidden = !asksRating;
      if (asksRating && ratingPart.get()) ratingView?.render(state.rating);

      // Focus follows what the visitor is doing, and only when something changed for it.
      if (!before) return;
      if (state.open && !before.open) focusFirst(state);
      else if (!state.open && before.open) launcher.focus();
      else if (state.open && inChat && before.phase !== 'chat') chat.focus(state);
      else if (state.open && !inChat && before.phase === 'chat') focusFirst(state);
      else if (state.open && closed && before.status !== 'closed') chat.followEnd(root.activeElement);
    },

    /** Puts the focus on the first invalid field (after a refused submit). */
    focusInvalid(state: WidgetState) {
      prechat.focus(state, true);
    },
  };
  return view;

  function focusFirst(state: WidgetState) {
    if (state.phase === 'chat') chat.focus(state);
    else prechat.focus(state);
  }
}

/** Whether the chat shows the queue or an agent's arrival: what needs the queue's lazy part. */
function waitsForAgent(state: WidgetState): boolean {
  return state.queuePosition !== undefined || state.notices.some((notice) => notice.kind === 'agentJoined');
}
