import type { Agent, TicketListItem } from '../../../shared/agentApi.js';
import type { DomainEvent } from '../../../shared/events.js';
import type { Api } from '../api.js';
import { t } from '../i18n/index.js';
import { SENDER_LABELS } from '../labels.js';
import { raiseAlert } from './alerts.js';
import { announce } from './announcer.js';
import { setUnreadTotal } from './pageTitle.js';

const REFRESH_DEBOUNCE_MS = 300;
const MY_TICKETS_LIMIT = 100;

export type ShiftListener = (event: DomainEvent) => void;

/**
 * The agent's shift, followed for as long as they are signed in, whatever page is open: one
 * `tickets.onEvent` stream for the whole console (pages listen to it rather than open their
 * own), the agent's tickets with their unread counts (the title's total), and the alerts —
 * a chat assigned to me, an escalation, a customer's message on my ticket while the tab is hidden.
 */
export function createShiftWatch(api: Api, me: Agent, fail: (error: unknown) => void) {
  const listeners = new Set<ShiftListener>();
  let mine = new Map<string, TicketListItem>();
  let live = false;
  const liveWaiters: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  async function refresh() {
    const current = ++generation;
    try {
      const page = await api.tickets.list.query({ assigneeId: 'me', limit: MY_TICKETS_LIMIT });
      if (current !== generation) return;
      mine = new Map(page.items.map((item) => [item.id, item]));
      setUnreadTotal(page.items.reduce((sum, item) => sum + item.unreadCount, 0));
    } catch (error) {
      fail(error);
    }
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), REFRESH_DEBOUNCE_MS);
  }

  function alertFor(event: DomainEvent) {
    if (event.type === 'ticket.assigned' && event.assigneeId === me.id && event.actorId !== me.id) {
      announce(t.announce.assigned(event.ticketNumber));
      raiseAlert({ title: t.alerts.assignedTitle, body: `#${event.ticketNumber}`, tag: `assigned-${event.ticketId}`, hash: `#/tickets/${event.ticketNumber}` });
    } else if (event.type === 'chat.escalated') {
      raiseAlert({ title: t.alerts.escalatedTitle, body: `#${event.ticketNumber}`, tag: `escalated-${event.ticketId}`, hash: `#/tickets/${event.ticketNumber}` });
    } else if (event.type === 'message.created' && event.message.senderType === 'client' && mine.has(event.ticketId) && document.visibilityState === 'hidden') {
      const who = event.message.senderName || SENDER_LABELS.client;
      raiseAlert({ title: t.alerts.messageTitle(who), body: event.message.body.slice(0, 140), tag: `message-${event.ticketId}`, hash: `#/tickets/${event.ticketNumber}` });
    }
  }

  const subscription = api.tickets.onEvent.subscribe(undefined, {
    onStarted: () => {
      live = true;
      document.documentElement.setAttribute('data-shift-live', 'true');
      for (const waiter of liveWaiters.splice(0)) waiter();
      // Also after a reconnect: whatever happened meanwhile is in the fresh counts.
      refreshSoon();
    },
    // Tracked events: after a reconnect the link resumes after the last id seen (PROTOCOL §13).
    onData({ data }) {
      if (data.type === 'stream.ready') return;
      if (data.type === 'stream.reset') {
        // Older than the replay reaches: whatever happened is in fresh counts and pages.
        refreshSoon();
        return;
      }
      const domainEvent: DomainEvent = data;
      if (domainEvent.type !== 'chat.typing') {
        alertFor(domainEvent);
        refreshSoon();
      }
      for (const listener of listeners) listener(domainEvent);
    },
    onError: fail,
  });

  void refresh();
  return {
    /** Calls `listener` with every event of the stream until the returned function is called. */
    listen(listener: ShiftListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Re-reads the agent's tickets (after a read mark moved: that is no event). */
    refresh: refreshSoon,
    isLive: () => live,
    /** Calls `then` once the stream is held by the server (events from then on are seen). */
    onLive(then: () => void) {
      if (live) then();
      else liveWaiters.push(then);
    },
    stop() {
      subscription.unsubscribe();
      clearTimeout(timer);
      listeners.clear();
      setUnreadTotal(0);
    },
  };
}

export type ShiftWatch = ReturnType<typeof createShiftWatch>;
