import type { Namespace } from 'socket.io';
import { sessionRoom, type ClientToServerEvents, type ServerToClientEvents } from '../../shared/chat.js';
import type { CustomerChannel } from '../services/context.js';
import type { SocketData } from './chatNamespace.js';

export type ChatNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Emits to every socket of a session through the adapter, so sockets on every node receive it. */
export function createCustomerChannel(nsp: ChatNamespace): CustomerChannel {
  return {
    message: (sessionId, message) => nsp.to(sessionRoom(sessionId)).emit('message:new', message),
    closed: (sessionId, reason) => nsp.to(sessionRoom(sessionId)).emit('chat:closed', { reason }),
    ticketUpdated: (sessionId, payload) => nsp.to(sessionRoom(sessionId)).emit('ticket:updated', payload),
    typing: (sessionId, isTyping) => nsp.to(sessionRoom(sessionId)).emit('typing', { from: 'agent', isTyping }),
  };
}
