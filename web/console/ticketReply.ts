import type { CannedResponse } from '../../shared/agentApi.js';
import type { CannedVariable } from '../../shared/cannedResponses.js';
import type { Message } from '../../shared/chat.js';
import { el, setText } from '../common/dom.js';
import { newClientMsgId } from '../common/ids.js';
import { errorMessage } from './api.js';
import { t } from './i18n/index.js';
import type { PageContext } from './main.js';
import { attachCannedPicker, type CannedChoice } from './ticket/cannedPicker.js';

const TYPING_IDLE_MS = 3000;

export interface ReplyBoxDeps {
  ctx: PageContext;
  /** The ticket being answered; undefined while it loads. */
  ticketId(): string | undefined;
  /** The open chat's session, if any: what "Encerrar chat" ends. */
  activeSessionId(): string | undefined;
  /** The values of the canned responses' variables for this ticket. */
  cannedVariables(): Record<CannedVariable, string>;
  onSent(message: Message): void;
  onChatClosed(): Promise<void>;
}

/** What the ticket in front of the agent allows: answering its open chat, or nothing to send to. */
export type ReplyState = 'open' | 'ended' | 'no-chat';

/**
 * The reply box of a ticket: sends to the customer's chat (a reply retried after a failure
 * keeps its clientMsgId, so it is stored once), offers canned responses on `/`, tells the
 * customer the agent is typing, and ends the chat. Shown only while the chat is open; an ended
 * chat or a ticket without one says why there is nothing to answer here.
 */
export function createReplyBox(deps: ReplyBoxDeps) {
  const { ctx } = deps;
  const textarea = el('textarea', { id: 'reply', rows: '3', maxlength: '4000', 'aria-describedby': 'reply-hint' });
  const sendButton = el('button', { type: 'submit' }, t.reply.send);
  const replyError = el('p', { class: 'error', role: 'alert' });
  let canned: CannedChoice | undefined;
  let cannedList: Promise<CannedResponse[]> | undefined;
  const picker = attachCannedPicker(textarea, {
    load: () => (cannedList ??= ctx.api.cannedResponses.list.query().catch((error) => {
      cannedList = undefined;
      ctx.fail(error);
      return [];
    })),
    variables: deps.cannedVariables,
    onPick: (choice) => (canned = choice),
  });
  const form = el(
    'form',
    { class: 'reply-form' },
    el('label', { for: 'reply' }, t.reply.label),
    textarea,
    picker.element,
    el('p', { id: 'reply-hint', class: 'hint' }, t.reply.hint),
    replyError,
    sendButton,
  );
  const closeChatButton = el('button', { type: 'button', class: 'secondary' }, t.reply.closeChat);
  const box = el('div', { class: 'reply' }, form, closeChatButton);
  const notice = el('p', { class: 'reply-notice', hidden: true });
  const element = el('div', { class: 'reply-area' }, box, notice);
  const typing = typingSender(ctx, deps.ticketId);

  let draft: { body: string; clientMsgId: string } | undefined;
  async function send() {
    const ticketId = deps.ticketId();
    const body = textarea.value.trim();
    if (!ticketId || !body) return;
    if (!draft || draft.body !== body) draft = { body, clientMsgId: newClientMsgId() };
    // A canned response sent as filled in goes by its id: the server fills it in the same way
    // and knows which one was used. Edited, it is the agent's own text.
    const content = canned && canned.text.trim() === body ? { cannedResponseId: canned.id } : { body: draft.body };
    sendButton.disabled = true;
    setText(replyError, '');
    typing.stop();
    try {
      const message = await ctx.api.tickets.reply.mutate({ id: ticketId, clientMsgId: draft.clientMsgId, ...content });
      deps.onSent(message);
      draft = undefined;
      canned = undefined;
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
    setState(state: ReplyState) {
      box.hidden = state !== 'open';
      notice.hidden = state === 'open';
      element.dataset.state = state;
      setText(notice, state === 'ended' ? t.reply.ended : state === 'no-chat' ? t.reply.noChat : '');
      if (state !== 'open') {
        picker.close();
        typing.stop();
      }
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
