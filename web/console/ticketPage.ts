import type { Message } from '../../shared/chat.js';
import type { ContactSuggestion, TicketDetail } from '../../shared/agentApi.js';
import { el, setText } from '../common/dom.js';
import { errorMessage } from './api.js';
import type { PageContext } from './main.js';
import { createReplyBox } from './ticketReply.js';
import { createTicketSummary, type TicketChange } from './ticketSummary.js';
import { createTranscripts } from './ticketTranscripts.js';

const CLIENT_TYPING_SHOWN_MS = 6000;

/**
 * One ticket: its customer, status and priority (changed in place), every chat's transcript
 * growing live from `tickets.onEvent`, and a reply box that sends to the customer's chat.
 */
export function renderTicketPage(main: HTMLElement, ctx: PageContext, number: number) {
  document.title = `Atende — ticket #${number}`;
  main.replaceChildren(el('p', { class: 'loading' }, 'Carregando…'));
  let ticket: TicketDetail | undefined;

  const summary = createTicketSummary((change, control) => void update(change, control));
  const transcripts = createTranscripts((suggestion, button, error) => void acceptSuggestion(suggestion, button, error));
  const typing = el('p', { class: 'typing', 'aria-live': 'polite' });
  const activeSession = () => ticket?.chatSessions.find((s) => s.status === 'active');
  const reply = createReplyBox({
    ctx,
    ticketId: () => ticket?.id,
    activeSessionId: () => activeSession()?.id,
    onSent: (message) => addMessage(message),
    onChatClosed: () => refreshTicket(),
  });

  function addMessage(message: Message) {
    if (transcripts.add(message) && message.senderType === 'client') setText(typing, '');
  }

  async function catchUp() {
    if (!ticket) return;
    await Promise.all(
      ticket.chatSessions.map(async (session) => {
        if (!transcripts.has(session.id)) return;
        const afterSeq = transcripts.lastSeq(session.id);
        const { messages } = await ctx.api.chats.messages.query({ sessionId: session.id, ...(afterSeq ? { afterSeq } : {}) });
        for (const message of messages as Message[]) addMessage(message);
      }),
    );
  }

  async function refreshTicket() {
    const fresh = await ctx.api.tickets.get.query({ number });
    if (ctx.signal.aborted) return;
    ticket = fresh as TicketDetail;
    summary.show(ticket);
    transcripts.show(ticket);
    reply.setVisible(Boolean(activeSession()));
    main.setAttribute('data-status', ticket.status);
  }

  async function update(change: TicketChange, control: HTMLSelectElement) {
    if (!ticket) return;
    control.disabled = true;
    try {
      await ctx.api.tickets.update.mutate({ id: ticket.id, ...change });
      await refreshTicket();
      (document.getElementById(control.id) as HTMLSelectElement | null)?.focus();
    } catch (error) {
      ctx.fail(error);
      control.disabled = false;
    }
  }

  async function acceptSuggestion(suggestion: ContactSuggestion, button: HTMLButtonElement, error: HTMLElement) {
    button.disabled = true;
    setText(error, '');
    try {
      await ctx.api.clients.acceptSuggestion.mutate({ sessionId: suggestion.sessionId, field: suggestion.field });
      await refreshTicket();
    } catch (thrown) {
      setText(error, errorMessage(thrown));
      button.disabled = false;
    }
  }

  let typingHide: ReturnType<typeof setTimeout> | undefined;
  function showClientTyping(isTyping: boolean) {
    clearTimeout(typingHide);
    setText(typing, isTyping ? 'Cliente digitando…' : '');
    if (isTyping) typingHide = setTimeout(() => setText(typing, ''), CLIENT_TYPING_SHOWN_MS);
  }

  function follow(ticketId: string) {
    const subscription = ctx.api.tickets.onEvent.subscribe(
      { ticketId },
      {
        // Also after a reconnect of the stream: fetch whatever was posted meanwhile.
        onStarted: () => {
          main.setAttribute('data-live', 'true');
          void catchUp().catch(ctx.fail);
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') main.setAttribute('data-live', 'true');
          else main.removeAttribute('data-live');
        },
        onData({ data: event }) {
          if (event.type === 'stream.ready') return;
          if (event.type === 'message.created') {
            const { message } = event;
            if (transcripts.has(message.sessionId)) addMessage(message);
            else void refreshTicket().then(catchUp).catch(ctx.fail);
          } else if (event.type === 'chat.typing') {
            if (event.from === 'client') showClientTyping(event.isTyping);
          } else {
            void refreshTicket().catch(ctx.fail);
          }
        },
        onError: (error) => ctx.fail(error),
      },
    );
    ctx.signal.addEventListener('abort', () => {
      subscription.unsubscribe();
      reply.stop();
      clearTimeout(typingHide);
    });
  }

  function layout(t: TicketDetail) {
    const hasChat = t.source === 'chat' || t.chatSessions.length > 0;
    main.replaceChildren(
      summary.header,
      el(
        'div',
        { class: 'ticket-body' },
        el(
          'div',
          { class: 'conversation' },
          hasChat ? transcripts.element : el('p', { class: 'empty' }, 'Este ticket não tem conversa de chat.'),
          typing,
          reply.element,
        ),
        el('aside', {}, el('h2', {}, 'Detalhes'), summary.details, el('details', {}, el('summary', {}, 'Histórico de alterações'), summary.audit)),
      ),
    );
  }

  void (async () => {
    try {
      await refreshTicket();
      if (!ticket) return;
      layout(ticket);
      follow(ticket.id);
      await catchUp();
    } catch (error) {
      main.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorMessage(error)));
      ctx.fail(error);
    }
  })();
}
