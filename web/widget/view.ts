import type { Message } from '../../shared/chat.js';
import { el, setAttr, setText } from '../common/dom.js';
import { closedLabel, statusLabel, type UiText } from './i18n.js';
import { FIELDS, type Field, type Notice, type PendingMessage, type WidgetState } from './state.js';
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
}

const INPUT_TYPES: Record<Field, { type: string; autocomplete: string }> = {
  name: { type: 'text', autocomplete: 'name' },
  email: { type: 'email', autocomplete: 'email' },
  phone: { type: 'tel', autocomplete: 'tel' },
};

/**
 * The widget's DOM in a shadow root, built once and brought up to date by `render(state)`.
 * Every visitor- or agent-written string reaches the page through textContent only.
 */
export function createView(host: HTMLElement, t: UiText, on: ViewHandlers) {
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

  // Pre-chat form.
  const inputs = {} as Record<Field, HTMLInputElement>;
  const errors = {} as Record<Field, HTMLParagraphElement>;
  const formError = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'submit' }, t.start);
  const prechat = el('form', { class: 'prechat', novalidate: true }, el('p', {}, t.intro));
  for (const field of FIELDS) {
    const id = `atende-${field}`;
    inputs[field] = el('input', {
      id,
      name: field,
      ...INPUT_TYPES[field],
      required: true,
      'aria-required': 'true',
      'aria-describedby': `${id}-error`,
    });
    errors[field] = el('p', { id: `${id}-error`, class: 'error', 'aria-live': 'polite' });
    prechat.append(el('label', { for: id }, t[field]), inputs[field], errors[field]);
    inputs[field].addEventListener('input', () => on.fieldChanged(field, inputs[field].value));
    inputs[field].addEventListener('blur', () => on.fieldBlurred(field));
  }
  const notMe = el('button', { type: 'button', class: 'secondary' }, t.notMe);
  notMe.addEventListener('click', () => {
    on.forget();
    inputs.name.focus(); // the button may hide itself: the focus stays in the form
  });
  prechat.append(formError, submit, notMe);
  prechat.addEventListener('submit', (event) => {
    event.preventDefault();
    on.submit();
  });

  // Chat.
  const log = el('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t.messages, tabindex: '0' });
  const typing = el('p', { class: 'typing', 'aria-live': 'polite' });
  const chatError = el('p', { class: 'error', role: 'alert' });
  const textarea = el('textarea', { id: 'atende-message', rows: '2', maxlength: '4000' });
  const sendButton = el('button', { type: 'submit' }, t.send);
  const composer = el(
    'form',
    { class: 'composer' },
    el('label', { for: 'atende-message', class: 'sr-only' }, t.messageLabel),
    textarea,
    sendButton,
  );
  const endButton = el('button', { type: 'button', class: 'secondary end' }, t.endChat);
  const newChatButton = el('button', { type: 'button', class: 'secondary', hidden: true }, t.newChat);
  const chat = el('div', { class: 'chat' }, log, typing, chatError, composer, el('div', { class: 'footer' }, endButton, newChatButton));

  const panel = el(
    'section',
    { id: 'atende-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'atende-title', hidden: true },
    el('header', {}, el('h2', { id: 'atende-title' }, t.title), ticket, minimize),
    conn,
    prechat,
    chat,
  );
  root.append(style, panel, launcher);

  launcher.addEventListener('click', () => on.toggle(true));
  minimize.addEventListener('click', () => on.toggle(false));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') on.toggle(false);
  });
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    sendFromComposer();
  });
  textarea.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter is a new line (and never while an IME is composing).
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendFromComposer();
    }
  });
  textarea.addEventListener('input', () => on.typing());
  endButton.addEventListener('click', () => on.endChat());
  newChatButton.addEventListener('click', () => on.newChat());

  function sendFromComposer() {
    const body = textarea.value;
    if (!body.trim()) return;
    textarea.value = '';
    on.send(body);
  }

  const items = new Map<string, HTMLLIElement>();
  let previous: WidgetState | undefined;
  let seenOthers = 0;

  function renderLog(state: WidgetState) {
    const wanted: { key: string; make: () => HTMLLIElement; update?: (li: HTMLLIElement) => void }[] = [];
    const notices = [...state.notices];
    const pushNotices = (upTo: number) => {
      while (notices.length && notices[0]!.afterSeq <= upTo) {
        const notice = notices.shift()!;
        wanted.push({ key: notice.key, make: () => noticeItem(notice) });
      }
    };
    pushNotices(0);
    for (const message of state.messages) {
      wanted.push({ key: `m${message.seq}`, make: () => messageItem(message) });
      pushNotices(message.seq);
    }
    pushNotices(Number.POSITIVE_INFINITY);
    for (const pending of state.pending) {
      wanted.push({
        key: `p${pending.clientMsgId}`,
        make: () => pendingItem(pending),
        update: (li) => setText(li.querySelector('.state')!, pending.state === 'failed' ? `${t.notSent}: ${pending.error ?? ''}` : t.sending),
      });
    }

    const keep = new Set(wanted.map((w) => w.key));
    for (const [key, li] of items) {
      if (!keep.has(key)) {
        li.remove();
        items.delete(key);
      }
    }
    const wasAtBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    let cursor: ChildNode | null = log.firstChild;
    for (const w of wanted) {
      let li = items.get(w.key);
      if (!li) {
        li = w.make();
        items.set(w.key, li);
      }
      w.update?.(li);
      if (li !== cursor) log.insertBefore(li, cursor);
      cursor = li.nextSibling;
    }
    if (wasAtBottom) log.scrollTop = log.scrollHeight;
  }

  function messageItem(message: Message): HTMLLIElement {
    const who = message.senderType === 'client' ? t.you : message.senderName || t[message.senderType];
    return el(
      'li',
      { class: message.senderType, 'data-seq': String(message.seq) },
      el('span', { class: 'who' }, who),
      el('p', { class: 'body' }, message.body),
    );
  }

  function pendingItem(pending: PendingMessage): HTMLLIElement {
    return el(
      'li',
      { class: 'client pending', 'data-pending': pending.clientMsgId },
      el('span', { class: 'who' }, t.you),
      el('p', { class: 'body' }, pending.body),
      el('span', { class: 'state' }, t.sending),
    );
  }

  function noticeItem(notice: Notice): HTMLLIElement {
    const text =
      notice.kind === 'ticketStatus' ? `${t.ticketStatus}${statusLabel(t, notice.value)}` : closedLabel(t, notice.value);
    return el('li', { class: 'notice', 'data-notice': notice.kind }, text);
  }

  return {
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

      prechat.hidden = inChat;
      chat.hidden = !inChat;

      for (const field of FIELDS) {
        if (inputs[field].value !== state.form.values[field]) inputs[field].value = state.form.values[field];
        const message = state.form.touched[field] ? (state.form.errors[field] ?? '') : '';
        setText(errors[field], message);
        setAttr(inputs[field], 'aria-invalid', message ? 'true' : 'false');
      }
      setText(formError, state.form.submitError ?? '');
      notMe.hidden = !state.identity && !FIELDS.some((f) => state.form.values[f]);
      submit.disabled = state.phase === 'starting';
      setText(submit, state.phase === 'starting' ? t.starting : t.start);

      if (inChat) renderLog(state);
      setText(typing, state.agentTyping ? t.typing : '');
      setText(chatError, state.chatError ?? '');
      composer.hidden = closed;
      endButton.hidden = closed;
      newChatButton.hidden = !closed;

      // Focus follows what the visitor is doing, and only when something changed for it.
      if (!before) return;
      if (state.open && !before.open) focusFirst(state);
      else if (!state.open && before.open) launcher.focus();
      else if (state.open && inChat && before.phase !== 'chat') textarea.focus();
      else if (state.open && !inChat && before.phase === 'chat') focusFirst(state);
      else if (state.open && closed && before.status !== 'closed' && root.activeElement === endButton) newChatButton.focus();
    },

    /** Puts the focus on the first invalid field (after a refused submit). */
    focusInvalid(state: WidgetState) {
      const field = FIELDS.find((f) => state.form.errors[f]);
      if (field) inputs[field].focus();
    },
  };

  function focusFirst(state: WidgetState) {
    if (state.phase === 'chat') {
      (state.status === 'closed' ? newChatButton : textarea).focus();
      return;
    }
    const field = FIELDS.find((f) => !state.form.values[f] || state.form.errors[f]) ?? 'name';
    inputs[field].focus();
  }
}
