import type { Message } from '../../shared/chat.js';
import { el, setText } from '../common/dom.js';
import { newClientMsgId } from '../common/ids.js';
import { errorMessage } from './api.js';
import type { PageContext } from './main.js';

const TYPING_IDLE_MS = 3000;

export interface ReplyBoxDeps {
  ctx: PageContext;
  /** The ticket being answered; undefined while it loads. */
  ticketId(): string | undefined;
  /** The open chat's session, if any: what "Encerrar chat" ends. */
  activeSessionId(): string | undefined;
  onSent(message: Message): void;
  onChatClosed(): Promise<void>;
}

/**
 * The reply box of a ticket: sends to the customer's chat (a reply retried after a failure
 * keeps its clientMsgId, so it is stored once), tells the customer the agent is typing, and
 * ends the chat.
 */
export function createReplyBox(deps: ReplyBoxDeps) {
  const { ctx } = deps;
  const textarea = el('textarea', { id: 'reply', rows: '3', maxlength: '4000' });
  const sendButton = el('button', { type: 'submit' }, 'Responder');
  const replyError = el('p', { class: 'error', role: 'alert' });
  const form = el('form', { class: 'reply-form' }, el('label', { for: 'reply' }, 'Resposta ao cliente'), textarea, replyError, sendButton);
  const closeChatButton = el('button', { type: 'button', class: 'secondary' }, 'Encerrar chat');
  const element = el('div', { class: 'reply' }, form, closeChatButton);
  const typing = typingSender(ctx, deps.ticketId);

  let draft: { body: string; clientMsgId: string } | undefined;
  async function send() {
    const ticketId = deps.ticketId();
    const body = textarea.value.trim();
    if (!ticketId || !body) return;
    if (!draft || draft.body !== body) draft = { body, clientMsgId: newClientMsgId() };
    sendButton.disabled = true;
    setText(replyError, '');
    typing.stop();
    try {
      const message = await ctx.api.tickets.reply.mutate({ id: ticketId, body: draft.body, clientMsgId: draft.clientMsgId });
      deps.onSent(message);
      draft = undefined;
      textarea.value = '';
      textarea.focus();
    } catch (error) {
      setText(replyError, errorMessage(error));
    } finally {
      sendButton.disabled = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    }
  });
  textarea.addEventListener('input', () => typing.typed());
  closeChatButton.addEventListener('click', async () => {
    const sessionId = deps.activeSessionId();
    if (!sessionId) return;
    closeChatButton.disabled = true;
    try {
      await ctx.api.chats.close.mutate({ sessionId });
      await deps.onChatClosed();
    } catch (error) {
      ctx.fail(error);
    } finally {
      closeChatButton.disabled = false;
    }
  });

  return {
    element,
    setVisible(visible: boolean) {
      element.hidden = !visible;
    },
    stop: typing.stop,
  };
}

/** `tickets.typing` true on the first keystroke, false after a pause or a send. */
function typingSender(ctx: PageContext, ticketId: () => string | undefined) {
  let sent = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  function stop() {
    clearTimeout(timer);
    const id = ticketId();
    if (sent && id) void ctx.api.tickets.typing.mutate({ id, isTyping: false }).catch(() => {});
    sent = false;
  }
  return {
    stop,
    typed() {
      const id = ticketId();
      if (!id) return;
      if (!sent) void ctx.api.tickets.typing.mutate({ id, isTyping: true }).catch(() => {});
      sent = true;
      clearTimeout(timer);
      timer = setTimeout(stop, TYPING_IDLE_MS);
    },
  };
}
