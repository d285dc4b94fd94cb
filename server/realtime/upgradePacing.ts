import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** WebSocket handshakes served per event-loop turn before the rest wait for the next one. */
export const UPGRADES_PER_TURN = 64;

/**
 * Serves WebSocket upgrades at most `perTurn` per event-loop turn, in arrival order. When a
 * node dies its visitors all reconnect to the survivors within a second, and libuv hands a
 * survivor every pending request at once: thousands of handshakes (WebSocket, Engine.IO,
 * Socket.IO) ran in one stretch of two seconds, during which no timer fired and no chat
 * already on the node was served. Paced, the same handshakes take the same CPU, but timers,
 * database answers and other sockets get a turn between each few dozen.
 *
 * Call it after Socket.IO has attached its listener to `httpServer`.
 */
export function paceUpgrades(httpServer: HttpServer, perTurn = UPGRADES_PER_TURN): void {
  const listeners = httpServer.listeners('upgrade') as UpgradeListener[];
  httpServer.removeAllListeners('upgrade');
  const waiting: Array<{ req: IncomingMessage; socket: Duplex; head: Buffer }> = [];
  let first = 0;
  let servedThisTurn = 0;
  let turnScheduled = false;

  const serve = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    servedThisTurn++;
    for (const listener of listeners) listener.call(httpServer, req, socket, head);
  };
  // A socket that waits has no other error listener yet (Node removes its own before 'upgrade').
  const ignoreError = () => {};

  function nextTurn(): void {
    turnScheduled = false;
    servedThisTurn = 0;
    while (first < waiting.length && servedThisTurn < perTurn) {
      const { req, socket, head } = waiting[first]!;
      waiting[first++] = undefined as never;
      socket.removeListener('error', ignoreError);
      if (!socket.destroyed) serve(req, socket, head);
    }
    if (first === waiting.length) {
      waiting.length = 0;
      first = 0;
    }
    schedule();
  }

  function schedule(): void {
    if (turnScheduled || (servedThisTurn === 0 && first === waiting.length)) return;
    turnScheduled = true;
    setImmediate(nextTurn);
  }

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (first === waiting.length && servedThisTurn < perTurn) serve(req, socket, head);
    else {
      socket.on('error', ignoreError);
      waiting.push({ req, socket, head });
    }
    schedule();
  });
}
