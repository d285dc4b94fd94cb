import type { ChatTypingEvent } from '../../../shared/events.js';
import type { ServiceContext } from '../context.js';
import type { ChatRef } from './chatRef.js';

type Typist = { from: 'client' } | { from: 'agent'; agentId: string };

/**
 * Tells the agents watching a chat that someone in it is (or stopped) typing. Not a fact of the
 * ticket: nothing is audited.
 */
export function announceTyping(
  chat: Pick<ChatRef, 'sessionId' | 'ticketId' | 'ticketNumber'>,
  typist: Typist,
  isTyping: boolean,
  ctx: Pick<ServiceContext, 'bus'>,
): void {
  const event: ChatTypingEvent = {
    type: 'chat.typing',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: new Date().toISOString(),
    sessionId: chat.sessionId,
    isTyping,
    ...typist,
  };
  ctx.bus.publish(event);
}

/** The visitor's typing, for agents. The socket edge throttles it (realtime/typingRelay.ts). */
export function relayCustomerTyping(chat: ChatRef, isTyping: boolean, ctx: Pick<ServiceContext, 'bus'>): void {
  announceTyping(chat, { from: 'client' }, isTyping, ctx);
}
