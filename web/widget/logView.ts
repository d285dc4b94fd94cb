import type { Message } from '../../shared/chat.js';
import { el, setText } from '../common/dom.js';
import { closedLabel, statusLabel, type UiText } from './i18n.js';
import type { QueueText } from './lazy/queue.js';
import type { Notice, PendingMessage, WidgetState } from './state.js';

interface Row {
  key: string;
  make: () => HTMLLIElement;
  update?: (li: HTMLLIElement) => void;
}

/**
 * The transcript: stored messages in seq order with the widget's notices between them, then
 * what is still on its way. Rows are kept by key and moved, never rebuilt, so a screen reader's
 * live region announces only what is new.
 */
export function createLogView(t: UiText) {
  const element = el('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t.messages, tabindex: '0' });
  const items = new Map<string, HTMLLIElement>();

  function rows(state: WidgetState, queueText?: QueueText): Row[] {
    const wanted: Row[] = [];
    const notices = [...state.notices];
    const pushNotices = (upTo: number) => {
      while (notices.length && notices[0]!.afterSeq <= upTo) {
        const notice = notices.shift()!;
        // An agent's arrival is worded by the queue's lazy part: shown once it has arrived.
        if (notice.kind !== 'agentJoined') wanted.push({ key: notice.key, make: () => noticeItem(notice) });
        else if (queueText) wanted.push({ key: notice.key, make: () => noticeItem(notice, queueText.agentJoined(notice.value)) });
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
    return wanted;
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

  function noticeItem(notice: Notice, worded?: string): HTMLLIElement {
    const text = worded ?? (notice.kind === 'ticketStatus' ? `${t.ticketStatus}${statusLabel(t, notice.value)}` : closedLabel(t, notice.value));
    return el('li', { class: 'notice', 'data-notice': notice.kind }, text);
  }

  return {
    element,
    render(state: WidgetState, queueText?: QueueText) {
      const wanted = rows(state, queueText);
      const keep = new Set(wanted.map((w) => w.key));
      for (const [key, li] of items) {
        if (!keep.has(key)) {
          li.remove();
          items.delete(key);
        }
      }
      const wasAtBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      let cursor: ChildNode | null = element.firstChild;
      for (const w of wanted) {
        let li = items.get(w.key);
        if (!li) {
          li = w.make();
          items.set(w.key, li);
        }
        w.update?.(li);
        if (li !== cursor) element.insertBefore(li, cursor);
        cursor = li.nextSibling;
      }
      if (wasAtBottom) element.scrollTop = element.scrollHeight;
    },
  };
}
