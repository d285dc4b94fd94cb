import type { Message } from '../../shared/chat.js';
import type { ChatSessionSummary, ContactSuggestion, TicketDetail } from '../../shared/agentApi.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from '../../shared/tickets.js';
import { el, setText } from '../common/dom.js';
import { newClientMsgId } from '../common/ids.js';
import { errorMessage } from './api.js';
import { chatIdentity } from './chatIdentity.js';
import { formatDateTime, formatTime, PRIORITY_LABELS, SENDER_LABELS, STATUS_LABELS } from './labels.js';
import { sourceBadge, statusBadge } from './listPage.js';
import type { PageContext } from './main.js';

const TYPING_IDLE_MS = 3000;
const CLIENT_TYPING_SHOWN_MS = 6000;

/**
 * One ticket: its customer, status and priority (changed in place), every chat's transcript
 * growing live from `tickets.onEvent`, and a reply box that sends to the customer's chat.
 */
export function renderTicketPage(main: HTMLElement, ctx: PageContext, number: number) {
  document.title = `Atende — ticket #${number}`;
  main.replaceChildren(el('p', { class: 'loading' }, 'Carregando…'));
  let ticket: TicketDetail | undefined;
  const transcripts = new Map<string, { list: HTMLOListElement; seqs: Set<number>; heading: HTMLElement; identity: HTMLElement }>();

  const header = el('div', { class: 'ticket-header' });
  const details = el('dl', { class: 'details' });
  const chats = el('section', { class: 'chats', 'aria-label': 'Conversas' });
  const typing = el('p', { class: 'typing', 'aria-live': 'polite' });
  const audit = el('ol', { class: 'audit' });
  const replyArea = el('div', { class: 'reply' });

  // Reply box.
  const textarea = el('textarea', { id: 'reply', rows: '3', maxlength: '4000' });
  const sendButton = el('button', { type: 'submit' }, 'Responder');
  const replyError = el('p', { class: 'error', role: 'alert' });
  const replyForm = el('form', { class: 'reply-form' }, el('label', { for: 'reply' }, 'Resposta ao cliente'), textarea, replyError, sendButton);
  const closeChatButton = el('button', { type: 'button', class: 'secondary' }, 'Encerrar chat');
  replyArea.append(replyForm, closeChatButton);

  // Same text, same clientMsgId: a reply retried after a failure is stored once.
  let draft: { body: string; clientMsgId: string } | undefined;
  replyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendReply();
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void sendReply();
    }
  });

  async function sendReply() {
    if (!ticket) return;
    const body = textarea.value.trim();
    if (!body) return;
    if (!draft || draft.body !== body) draft = { body, clientMsgId: newClientMsgId() };
    sendButton.disabled = true;
    setText(replyError, '');
    stopTyping();
    try {
      const message = await ctx.api.tickets.reply.mutate({ id: ticket.id, body: draft.body, clientMsgId: draft.clientMsgId });
      addMessage(message);
      draft = undefined;
      textarea.value = '';
      textarea.focus();
    } catch (error) {
      setText(replyError, errorMessage(error));
    } finally {
      sendButton.disabled = false;
    }
  }

  let typingSent = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent && ticket) void ctx.api.tickets.typing.mutate({ id: ticket.id, isTyping: false }).catch(() => {});
    typingSent = false;
  }
  textarea.addEventListener('input', () => {
    if (!ticket) return;
    if (!typingSent) void ctx.api.tickets.typing.mutate({ id: ticket.id, isTyping: true }).catch(() => {});
    typingSent = true;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  closeChatButton.addEventListener('click', async () => {
    const session = activeSession();
    if (!session) return;
    closeChatButton.disabled = true;
    try {
      await ctx.api.chats.close.mutate({ sessionId: session.id });
      await refreshTicket();
    } catch (error) {
      ctx.fail(error);
    } finally {
      closeChatButton.disabled = false;
    }
  });

  function activeSession(): ChatSessionSummary | undefined {
    return ticket?.chatSessions.find((s) => s.status === 'active');
  }

  function addMessage(message: Message) {
    const transcript = transcripts.get(message.sessionId);
    if (!transcript || transcript.seqs.has(message.seq)) return;
    transcript.seqs.add(message.seq);
    const item = messageItem(message);
    // Keep seq order even when a catch-up and a live event cross.
    const after = [...transcript.list.children].find((li) => Number((li as HTMLElement).dataset.seq) > message.seq);
    transcript.list.insertBefore(item, after ?? null);
    if (message.senderType === 'client') setText(typing, '');
  }

  async function loadMessages(session: ChatSessionSummary) {
    const transcript = transcripts.get(session.id);
    if (!transcript) return;
    const afterSeq = Math.max(0, ...transcript.seqs);
    const { messages } = await ctx.api.chats.messages.query({ sessionId: session.id, ...(afterSeq ? { afterSeq } : {}) });
    for (const message of messages as Message[]) addMessage(message);
  }

  function renderHeader(t: TicketDetail) {
    const statusSelect = el('select', { id: 'status' }, ...TICKET_STATUSES.map((s) => el('option', { value: s }, STATUS_LABELS[s])));
    statusSelect.value = t.status;
    statusSelect.addEventListener('change', () => void update({ status: statusSelect.value as TicketStatus }, statusSelect));
    const prioritySelect = el('select', { id: 'priority' }, ...TICKET_PRIORITIES.map((p) => el('option', { value: p }, PRIORITY_LABELS[p])));
    prioritySelect.value = t.priority;
    prioritySelect.addEventListener('change', () => void update({ priority: prioritySelect.value as TicketPriority }, prioritySelect));
    header.replaceChildren(
      el('p', { class: 'crumbs' }, el('a', { href: '#/' }, '← Tickets')),
      el('h1', {}, `#${t.number} `, el('span', { class: 'subject' }, t.subject)),
      el('div', { class: 'badges' }, sourceBadge(t.source), statusBadge(t.status), t.escalated ? el('span', { class: 'escalated' }, 'escalado') : null),
      el(
        'div',
        { class: 'controls' },
        el('label', { for: 'status' }, 'Status'),
        statusSelect,
        el('label', { for: 'priority' }, 'Prioridade'),
        prioritySelect,
      ),
    );
    const client = t.client;
    details.replaceChildren(
      ...pair('Cliente', el('a', { href: `#/clients/${client.id}` }, client.name || client.email || '—')),
      ...pair('E-mail', client.email ?? '—'),
      ...pair('Telefone', client.phone ?? '—'),
      ...pair('Tickets do cliente', String(client.totalTickets)),
      ...pair('Categoria', t.category ?? '—'),
      ...pair('Criado', formatDateTime(t.createdAt)),
      ...pair('Descrição', t.description || '—'),
    );
    audit.replaceChildren(
      ...t.events.map((e) =>
        el('li', {}, el('time', { datetime: e.createdAt }, formatDateTime(e.createdAt)), ` ${e.type} (${e.actorType})`),
      ),
    );
    const active = activeSession();
    replyArea.hidden = !active;
  }

  async function update(change: { status?: TicketStatus; priority?: TicketPriority }, control: HTMLSelectElement) {
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

  function ensureTranscripts(t: TicketDetail) {
    for (const session of [...t.chatSessions].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
      if (transcripts.has(session.id)) continue;
      const list = el('ol', { class: 'transcript', role: 'log', 'aria-label': `Conversa de ${formatDateTime(session.startedAt)}` });
      const heading = el('h2', {}, `Conversa iniciada em ${formatDateTime(session.startedAt)}`);
      const identity = el('div', { class: 'chat-identity-slot' });
      transcripts.set(session.id, { list, seqs: new Set(), heading, identity });
      chats.append(heading, identity, list);
    }
    for (const session of t.chatSessions) {
      const { heading, identity } = transcripts.get(session.id)!;
      heading.dataset.status = session.status;
      setText(heading, `Conversa iniciada em ${formatDateTime(session.startedAt)}${session.status === 'closed' ? ' (encerrada)' : ''}`);
      identity.replaceChildren(chatIdentity(session, t.client, t.suggestions, acceptSuggestion));
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

  async function refreshTicket() {
    const fresh = await ctx.api.tickets.get.query({ number });
    if (ctx.signal.aborted) return;
    ticket = fresh as TicketDetail;
    renderHeader(ticket);
    ensureTranscripts(ticket);
    main.setAttribute('data-status', ticket.status);
  }

  async function catchUp() {
    if (!ticket) return;
    await Promise.all(ticket.chatSessions.map(loadMessages));
  }

  let typingHide: ReturnType<typeof setTimeout> | undefined;
  function subscribe(ticketId: string) {
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
        onData(event) {
          if (event.type === 'message.created') {
            const message = (event as unknown as { message: Message }).message;
            if (transcripts.has(message.sessionId)) addMessage(message);
            else void refreshTicket().then(catchUp).catch(ctx.fail);
          } else if (event.type === 'chat.typing') {
            const { from, isTyping } = event as unknown as { from: string; isTyping?: boolean };
            if (from !== 'client') return;
            clearTimeout(typingHide);
            setText(typing, isTyping ? 'Cliente digitando…' : '');
            if (isTyping) typingHide = setTimeout(() => setText(typing, ''), CLIENT_TYPING_SHOWN_MS);
          } else {
            void refreshTicket().catch(ctx.fail);
          }
        },
        onError: (error) => ctx.fail(error),
      },
    );
    ctx.signal.addEventListener('abort', () => {
      subscription.unsubscribe();
      stopTyping();
      clearTimeout(typingHide);
    });
  }

  void (async () => {
    try {
      await refreshTicket();
      if (!ticket) return;
      const t = ticket;
      main.replaceChildren(
        header,
        el(
          'div',
          { class: 'ticket-body' },
          el(
            'div',
            { class: 'conversation' },
            t.source === 'chat' || t.chatSessions.length ? chats : el('p', { class: 'empty' }, 'Este ticket não tem conversa de chat.'),
            typing,
            replyArea,
          ),
          el(
            'aside',
            {},
            el('h2', {}, 'Detalhes'),
            details,
            el('details', {}, el('summary', {}, 'Histórico de alterações'), audit),
          ),
        ),
      );
      subscribe(t.id);
      await catchUp();
    } catch (error) {
      main.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorMessage(error)));
      ctx.fail(error);
    }
  })();
}

function messageItem(message: Message): HTMLLIElement {
  const who = message.senderName || SENDER_LABELS[message.senderType];
  return el(
    'li',
    { class: message.senderType, 'data-seq': String(message.seq) },
    el('span', { class: 'who' }, who, ' · ', el('time', { datetime: message.createdAt }, formatTime(message.createdAt))),
    el('p', { class: 'body' }, message.body),
  );
}

function pair(term: string, value: string | Node): HTMLElement[] {
  return [el('dt', {}, term), el('dd', {}, value)];
}
