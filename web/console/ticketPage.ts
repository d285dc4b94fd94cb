import type { Message } from '../../shared/chat.js';
import type { ContactSuggestion, TicketDetail } from '../../shared/agentApi.js';
import { el, setText } from '../common/dom.js';
import { errorMessage } from './api.js';
import { t } from './i18n/index.js';
import type { PageContext } from './main.js';
import { loadTeam } from './shift/agentDirectory.js';
import { setPageTitle } from './shift/pageTitle.js';
import { createAssignControl } from './ticket/assignControl.js';
import { createNotes } from './ticket/notes.js';
import { createReadMarks } from './ticket/readMarks.js';
import { createReplyBox, type ReplyState } from './ticketReply.js';
import { createTicketSummary, type TicketChange } from './ticketSummary.js';
import { createTranscripts } from './ticketTranscripts.js';

const CLIENT_TYPING_SHOWN_MS = 6000;

/**
 * One ticket: its customer, status, priority and assignee (changed in place), every chat's
 * transcript growing live from `tickets.onEvent`, the internal notes, and a reply box that
 * sends to the customer's chat while it is open. Reading the ticket moves the read mark.
 */
export function renderTicketPage(main: HTMLElement, ctx: PageContext, number: number) {
  setPageTitle(t.ticket.page(number));
  main.replaceChildren(el('p', { class: 'loading' }, t.loading));
  let ticket: TicketDetail | undefined;
  const names = new Map<string, string>([[ctx.me.id, ctx.me.name]]);

  const summary = createTicketSummary((change, control) => void update(change, control));
  const transcripts = createTranscripts((suggestion, button, error) => void acceptSuggestion(suggestion, button, error));
  const typing = el('p', { class: 'typing', 'aria-live': 'polite' });
  const activeSession = () => ticket?.chatSessions.find((s) => s.status === 'active');
  const readMarks = createReadMarks(ctx, (sessionId) => transcripts.lastSeq(sessionId));
  const assign = createAssignControl(ctx, () => refreshTicket());
  const notes = createNotes(ctx, () => ticket?.id, (id) => names.get(id) ?? t.senders.agent);
  const reply = createReplyBox({
    ctx,
    ticketId: () => ticket?.id,
    activeSessionId: () => activeSession()?.id,
    cannedVariables: () => {
      const name = ticket?.client.name ?? activeSession()?.typed.name ?? '';
      return {
        'customer.name': name,
        'customer.firstName': name.split(/\s+/)[0] ?? name,
        'ticket.number': String(number),
        'agent.name': ctx.me.name,
      };
    },
    onSent: (message) => addMessage(message),
    onChatClosed: () => refreshTicket(),
  });

  function addMessage(message: Message) {
    if (!transcripts.add(message)) return;
    if (message.senderType === 'client') setText(typing, '');
    readMarks.mark();
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
    readMarks.mark();
  }

  function replyState(detail: TicketDetail): ReplyState {
    if (activeSession()) return 'open';
    return detail.chatSessions.length > 0 ? 'ended' : 'no-chat';
  }

  async function refreshTicket() {
    const fresh = await ctx.api.tickets.get.query({ number });
    if (ctx.signal.aborted) return;
    ticket = fresh as TicketDetail;
    summary.show(ticket);
    transcripts.show(ticket);
    assign.show(ticket);
    notes.show(ticket.notes);
    readMarks.setTicket(ticket);
    reply.setState(replyState(ticket));
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
    setText(typing, isTyping ? t.ticket.customerTyping : '');
    if (isTyping) typingHide = setTimeout(() => setText(typing, ''), CLIENT_TYPING_SHOWN_MS);
  }

  function follow(ticketId: string) {
    const subscription = ctx.api.tickets.onEvent.subscribe(
      { ticketId },
      {
        // Also after a reconnect of the stream: fetch whatever was posted meanwhile.
        onStarted: () => {
          main.setAttribute('data-live', 'true');
          void refreshTicket().then(catchUp).catch(ctx.fail);
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

  function layout(detail: TicketDetail) {
    const hasChat = detail.source === 'chat' || detail.chatSessions.length > 0;
    main.replaceChildren(
      summary.header,
      assign.element,
      el(
        'div',
        { class: 'ticket-body' },
        el(
          'div',
          { class: 'conversation' },
          hasChat ? transcripts.element : el('p', { class: 'empty' }, t.ticket.noChat),
          typing,
          reply.element,
          notes.element,
        ),
        el('aside', {}, el('h2', {}, t.ticket.details), summary.details, el('details', {}, el('summary', {}, t.ticket.audit), summary.audit)),
      ),
    );
  }

  void loadTeam(ctx.api, ctx.me)
    .then((team) => {
      for (const member of team) names.set(member.id, member.name);
      assign.setTeam(team);
      notes.render();
    })
    .catch(ctx.fail);

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
