import type { Message } from '../../shared/chat.js';
import type { ContactSuggestion, TicketDetail } from '../../shared/agentApi.js';
import { el, setText } from '../common/dom.js';
import { chatIdentity } from './chatIdentity.js';
import { t } from './i18n/index.js';
import { formatDateTime, formatTime, SENDER_LABELS } from './labels.js';

interface Transcript {
  list: HTMLOListElement;
  seqs: Set<number>;
  heading: HTMLElement;
  identity: HTMLElement;
}

/** Every chat of a ticket, oldest first: a heading, who the visitor is, and the messages in seq order. */
export function createTranscripts(onAccept: (suggestion: ContactSuggestion, button: HTMLButtonElement, error: HTMLElement) => void) {
  const element = el('section', { class: 'chats', 'aria-label': t.ticket.chats });
  const transcripts = new Map<string, Transcript>();

  return {
    element,
    has: (sessionId: string) => transcripts.has(sessionId),
    /** The highest seq shown for the session (0 when none). */
    lastSeq: (sessionId: string) => Math.max(0, ...(transcripts.get(sessionId)?.seqs ?? [])),
    /** Adds a message once, in seq order even when a catch-up and a live event cross; false for an unknown chat. */
    add(message: Message): boolean {
      const transcript = transcripts.get(message.sessionId);
      if (!transcript) return false;
      if (transcript.seqs.has(message.seq)) return true;
      transcript.seqs.add(message.seq);
      const after = [...transcript.list.children].find((li) => Number((li as HTMLElement).dataset.seq) > message.seq);
      transcript.list.insertBefore(messageItem(message), after ?? null);
      return true;
    },
    /** Adds a section for each new chat and refreshes every chat's heading and identity. */
    show(ticket: TicketDetail) {
      for (const session of [...ticket.chatSessions].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
        if (transcripts.has(session.id)) continue;
        const list = el('ol', { class: 'transcript', role: 'log', 'aria-live': 'polite', 'aria-label': t.ticket.chatLabel(formatDateTime(session.startedAt)) });
        const heading = el('h2', {}, t.ticket.chatStarted(formatDateTime(session.startedAt)));
        const identity = el('div', { class: 'chat-identity-slot' });
        transcripts.set(session.id, { list, seqs: new Set(), heading, identity });
        element.append(heading, identity, list);
      }
      for (const session of ticket.chatSessions) {
        const { heading, identity } = transcripts.get(session.id)!;
        heading.dataset.status = session.status;
        setText(heading, `${t.ticket.chatStarted(formatDateTime(session.startedAt))}${session.status === 'closed' ? t.ticket.chatEnded : ''}`);
        identity.replaceChildren(chatIdentity(session, ticket.client, ticket.suggestions, onAccept));
      }
    },
  };
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
