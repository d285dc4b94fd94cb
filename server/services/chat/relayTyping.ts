import type { ServiceContext } from '../context.js';
import type { ChatRef } from './chatRef.js';

/**
 * Tells the agents watching the chat that its visitor is (or stopped) typing. Not a fact of
 * the ticket: nothing is audited. The socket edge throttles it (realtime/typingRelay.ts).
 */
export function relayCustomerTyping(chat: ChatRef, isTyping: boolean, ctx: Pick<ServiceContext, 'bus'>): void {
  ctx.bus.publish({
    type: 'chat.typing',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: new Date().toISOString(),
    sessionId: chat.sessionId,
    from: 'client',
    isTyping,
  });
}
