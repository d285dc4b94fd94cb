import { sessionRoom } from '../../shared/chat.js';
import type { CustomerChannel } from '../services/context.js';
import type { ChatNamespace } from './socketServer.js';

/** Emits to every socket of a session through the adapter, so sockets on every node receive it. */
export function createCustomerChannel(nsp: ChatNamespace): CustomerChannel {
  return {
    message: (sessionId, message, except) =>
      (except ? nsp.to(sessionRoom(sessionId)).except(except) : nsp.to(sessionRoom(sessionId))).emit('message:new', message),
    closed: (sessionId, reason) => nsp.to(sessionRoom(sessionId)).emit('chat:closed', { reason }),
    ticketUpdated: (sessionId, payload) => nsp.to(sessionRoom(sessionId)).emit('ticket:updated', payload),
    typing: (sessionId, isTyping) => nsp.to(sessionRoom(sessionId)).emit('typing', { from: 'agent', isTyping }),
    agentJoined: (sessionId, payload) => nsp.to(sessionRoom(sessionId)).emit('agent:joined', payload),
    queuePosition: (sessionId, payload) => nsp.to(sessionRoom(sessionId)).emit('queue:position', payload),
  };
}
