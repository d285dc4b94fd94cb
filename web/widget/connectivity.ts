import { io, type Socket } from 'socket.io-client';
import type { Message } from '../../shared/chat.js';
import type { Locale } from '../../shared/messages.js';
import { backoffDelay, type Action } from './state.js';

/** Which socket life an answer belongs to: bumped on every connect and disconnect. */
export interface SocketLife {
  current: number;
}

/** The `/chat` socket, WebSocket first: it needs no sticky sessions behind a load balancer. */
export function openSocket(url: string, locale: Locale): Socket {
  return io(`${url}/chat`, {
    autoConnect: false,
    // Long-polling only where WebSockets are blocked.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
    auth: { locale },
  });
}

/**
 * Keeps the socket coming back: after the server sent it away (Socket.IO does not reconnect
 * then), after a refused connect, and when the browser's network returns; tells the state
 * what it is (`online`, `connecting`, `offline`) and calls `onConnect` on every connect.
 */
export function watchConnectivity(socket: Socket, dispatch: (action: Action) => void, life: SocketLife, onConnect: () => void): void {
  let reconnectAttempt = 0;
  const away = () => dispatch({ type: 'connection', connection: navigator.onLine === false ? 'offline' : 'connecting' });
  function scheduleReconnect() {
    setTimeout(() => {
      if (!socket.connected) socket.connect();
    }, backoffDelay(reconnectAttempt++, Math.random()));
  }

  socket.on('connect', () => {
    life.current++;
    reconnectAttempt = 0;
    dispatch({ type: 'connection', connection: 'online' });
    onConnect();
  });
  socket.on('disconnect', (reason) => {
    life.current++;
    away();
    if (reason === 'io server disconnect') scheduleReconnect();
  });
  socket.on('connect_error', () => {
    // The server is away (restarting, deploying): "connecting", not "offline", unless the
    // browser itself has no network.
    away();
    if (!socket.active) scheduleReconnect();
  });

  // The browser knows before any heartbeat does: drop the socket when the network goes and
  // come back (then resume) as soon as it returns.
  let droppedOffline = false;
  window.addEventListener('offline', () => {
    if (socket.connected || socket.active) {
      droppedOffline = true;
      socket.disconnect();
    }
    dispatch({ type: 'connection', connection: 'offline' });
  });
  window.addEventListener('online', () => {
    if (!droppedOffline) return;
    droppedOffline = false;
    dispatch({ type: 'connection', connection: 'connecting' });
    socket.connect();
  });
}

/** Server → visitor events, as Actions. */
export function forwardServerEvents(socket: Socket, dispatch: (action: Action) => void): void {
  socket.on('message:new', (message: Message) => dispatch({ type: 'messageReceived', message }));
  socket.on('typing', (payload: { isTyping?: unknown }) => dispatch({ type: 'agentTyping', isTyping: payload?.isTyping === true }));
  socket.on('chat:closed', (payload: { reason?: 'client' | 'agent' | 'timeout' }) =>
    dispatch({ type: 'chatClosed', reason: payload?.reason ?? 'agent' }),
  );
  // Checked by the reducer: whatever the server sends, the widget goes on.
  socket.on('queue:position', (payload?: { position?: unknown }) => dispatch({ type: 'queuePosition', position: payload?.position }));
  socket.on('agent:joined', (payload?: { agentName?: unknown }) => dispatch({ type: 'agentJoined', agentName: payload?.agentName }));
  socket.on('ticket:updated', (payload: { ticketNumber: number; status: string }) =>
    dispatch({ type: 'ticketUpdated', ticketNumber: payload.ticketNumber, status: payload.status }),
  );
}
