import { el, setText } from '../common/dom.js';
import type { UiText } from './i18n.js';
import type { QueueText } from './lazy/queue.js';
import { createLogView } from './logView.js';
import type { WidgetState } from './state.js';
import type { ViewHandlers } from './view.js';

/** The chat: queue status, transcript, the agent's typing, errors, the composer, and end / new chat. */
export function createChatView(t: UiText, on: ViewHandlers) {
  const log = createLogView(t);
  // Present (empty) from the start, so screen readers announce what is later written in it.
  const queue = el('p', { class: 'queue', role: 'status', 'aria-live': 'polite' });
  const typing = el('p', { class: 'typing', 'aria-live': 'polite' });
  const chatError = el('p', { class: 'error', role: 'alert' });
  const textarea = el('textarea', { id: 'atende-message', rows: '2', maxlength: '4000' });
  const composer = el(
    'form',
    { class: 'composer' },
    el('label', { for: 'atende-message', class: 'sr-only' }, t.messageLabel),
    textarea,
    el('button', { type: 'submit' }, t.send),
  );
  const endButton = el('button', { type: 'button', class: 'secondary end' }, t.endChat);
  const newChatButton = el('button', { type: 'button', class: 'secondary', hidden: true }, t.newChat);
  const element = el('div', { class: 'chat' }, queue, log.element, typing, chatError, composer, el('div', { class: 'footer' }, endButton, newChatButton));

  function sendFromComposer() {
    const body = textarea.value;
    if (!body.trim()) return;
    textarea.value = '';
    on.send(body);
  }
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

  return {
    element,
    /** `queueText`: the queue's words once its lazy part has arrived. */
    render(state: WidgetState, queueText?: QueueText) {
      const closed = state.status === 'closed';
      setText(queue, queueText && state.queuePosition ? queueText.position(state.queuePosition) : '');
      log.render(state, queueText);
      setText(typing, state.agentTyping ? t.typing : '');
      setText(chatError, state.chatError ?? '');
      composer.hidden = closed;
      endButton.hidden = closed;
      newChatButton.hidden = !closed;
    },
    /** The composer while the chat is open, "new chat" once it ended. */
    focus(state: WidgetState) {
      (state.status === 'closed' ? newChatButton : textarea).focus();
    },
    /** After the chat ended under the visitor's focus on "end chat", the focus moves to "new chat". */
    followEnd(activeElement: Element | null) {
      if (activeElement === endButton) newChatButton.focus();
    },
  };
}
