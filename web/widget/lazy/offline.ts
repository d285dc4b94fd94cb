import type { Locale } from '../../../shared/messages.js';
import type { UiText } from '../i18n.js';
import type { createContactFields } from '../prechatView.js';
import type { FieldErrors, WidgetState } from '../state.js';
import type { ViewHandlers } from '../view.js';
import type { Dom } from './lazyPart.js';

/**
 * The offline form (PROTOCOL §9), in its own chunk: fetched when `GET /api/chat/availability`
 * says nobody would answer now. The pre-chat form's contact fields (same state, same checks)
 * plus a required message, sent as `PUT /api/chat { …, offline: true }`; then a confirmation
 * with the ticket's number.
 */

export const css =
  '.offline{padding:16px;display:flex;flex-direction:column;gap:4px;overflow:auto}' +
  '.offline .why{margin:0 0 4px;padding:8px 10px;border-radius:8px;background:#fff4e0;color:#7a4b00}' +
  '.offline textarea{resize:vertical;min-height:80px}.offline textarea[aria-invalid=true]{border-color:#c81e1e}' +
  '.received{margin:0;padding:16px;color:#0b6e4f;font-weight:600}';

const words = {
  'pt-BR': {
    closed: 'Estamos fora do horário de atendimento. Deixe sua mensagem e responderemos por e-mail.',
    no_agents: 'Nenhum atendente disponível agora. Deixe sua mensagem e responderemos por e-mail.',
    message: 'Mensagem',
    send: 'Enviar mensagem',
    sending: 'Enviando…',
    received: (n: number) => `Recebemos sua mensagem (ticket #${n}). Responderemos por e-mail em breve.`,
  },
  en: {
    closed: "We're closed right now. Leave a message and we'll answer by e-mail.",
    no_agents: "No agent is available right now. Leave a message and we'll answer by e-mail.",
    message: 'Message',
    send: 'Send message',
    sending: 'Sending…',
    received: (n: number) => `We received your message (ticket #${n}). We'll answer by e-mail soon.`,
  },
} satisfies Record<Locale, unknown>;

type OfflineHandlers = Pick<ViewHandlers, 'fieldChanged' | 'fieldBlurred' | 'offlineContact' | 'contactRefused' | 'messageError'>;

/** What `PUT /api/chat` answered, reduced to what the form shows. */
type Answer = { ticketNumber: number } | { error: string; fields?: FieldErrors & { message?: string } };

export interface OfflineViewDeps {
  /** The Atende node's origin, where `PUT /api/chat` goes. */
  url: string;
  locale: Locale;
  t: UiText;
  on: OfflineHandlers;
  dom: Dom;
  /**
   * The pre-chat form's createContactFields, handed over rather than imported (see Dom): an
   * import would move it, and the state it reads, out of the entry into a chunk of its own.
   */
  contactFields: typeof createContactFields;
}

export function createOfflineView({ url, locale, t, on, dom, contactFields }: OfflineViewDeps) {
  const { el, setAttr, setText } = dom;
  const w = words[locale];
  const why = el('p', { class: 'why' });
  const form = el('form', { class: 'offline', novalidate: true }, why);
  const fields = contactFields(form, t, on, 'atende-offline-');
  const message = el('textarea', {
    id: 'atende-offline-message',
    name: 'message',
    rows: '4',
    required: true,
    'aria-required': 'true',
    'aria-describedby': 'atende-offline-message-error',
  });
  const messageError = el('p', { id: 'atende-offline-message-error', class: 'error', 'aria-live': 'polite' });
  const formError = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'submit' }, w.send);
  form.append(el('label', { for: message.id }, w.message), message, messageError, formError, submit);
  const received = el('p', { class: 'received', role: 'status', tabindex: '-1', hidden: true });

  let sending = false;
  const showMessageError = (error = '') => {
    setText(messageError, error);
    setAttr(message, 'aria-invalid', error ? 'true' : 'false');
  };
  const setSending = (value: boolean) => {
    sending = value;
    submit.disabled = value;
    setText(submit, value ? w.sending : w.send);
  };
  message.addEventListener('input', () => {
    if (messageError.textContent) showMessageError(on.messageError(message.value));
  });
  message.addEventListener('blur', () => showMessageError(on.messageError(message.value)));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (sending) return;
    const contact = on.offlineContact();
    const bodyError = on.messageError(message.value);
    showMessageError(bodyError);
    setText(formError, '');
    if (!contact) return;
    if (bodyError) return message.focus();
    setSending(true);
    void send({ ...contact, message: message.value, locale, offline: true }).then((answer) => {
      setSending(false);
      if ('ticketNumber' in answer) {
        form.hidden = true;
        setText(received, w.received(answer.ticketNumber));
        received.hidden = false;
        received.focus();
        return;
      }
      const { message: messageField, ...contactErrors } = answer.fields ?? {};
      if (messageField) showMessageError(messageField);
      if (Object.keys(contactErrors).length) on.contactRefused(contactErrors);
      else if (messageField) message.focus();
      setText(formError, answer.fields ? '' : answer.error);
    });
  });

  async function send(payload: object): Promise<Answer> {
    try {
      const res = await fetch(`${url}/api/chat`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      const body = await res.json();
      if (res.ok && typeof body?.ticketNumber === 'number') return { ticketNumber: body.ticketNumber };
      return { error: String(body?.error?.message || t.failed), fields: body?.error?.fields };
    } catch {
      return { error: t.failed };
    }
  }

  return {
    element: el('div', {}, form, received),
    render(state: WidgetState) {
      setText(why, state.offline === 'no_agents' ? w.no_agents : w.closed);
      fields.render(state);
    },
    focus(state: WidgetState, invalidOnly = false) {
      if (form.hidden) return;
      const contactToFix = Object.values(state.form.values).some((value) => !value) || Object.keys(state.form.errors).length;
      if (invalidOnly || contactToFix) fields.focus(state, invalidOnly);
      else message.focus();
    },
  };
}
