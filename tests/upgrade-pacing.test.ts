import { createServer, type IncomingMessage } from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { paceUpgrades } from '../server/realtime/upgradePacing.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An HTTP server whose 'upgrade' listener (Socket.IO's, in a node) records what it was handed. */
function pacedServer(perTurn: number) {
  const server = createServer();
  const served: string[] = [];
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    served.push(req.url ?? '');
    // The listener takes the socket over, as ws does: from now on its errors are its own.
    socket.on('error', () => {});
  });
  paceUpgrades(server, perTurn);
  /** What libuv does when many requests are readable at once: one 'upgrade' after another, in one turn. */
  const arrive = (url: string, socket: Duplex = new PassThrough()) => {
    server.emit('upgrade', { url } as IncomingMessage, socket, Buffer.alloc(0));
    return socket;
  };
  return { server, served, arrive };
}

describe('WebSocket upgrades are served a few per event-loop turn (a reconnect storm)', () => {
  it('serves at most perTurn in the turn they arrive, the rest in the next turns, in arrival order', async () => {
    const { served, arrive } = pacedServer(3);
    for (let i = 1; i <= 10; i++) arrive(`/${i}`);
    expect(served).toEqual(['/1', '/2', '/3']);
    await nextTurn();
    expect(served).toEqual(['/1', '/2', '/3', '/4', '/5', '/6']);
    await nextTurn();
    await nextTurn();
    expect(served).toEqual(['/1', '/2', '/3', '/4', '/5', '/6', '/7', '/8', '/9', '/10']);
  });

  it('serves an upgrade at once when the node is not in a storm, and again after one has passed', async () => {
    const { served, arrive } = pacedServer(2);
    arrive('/a');
    expect(served).toEqual(['/a']);
    for (const url of ['/b', '/c', '/d']) arrive(url);
    expect(served).toEqual(['/a', '/b']);
    await nextTurn();
    await nextTurn();
    await nextTurn();
    arrive('/e');
    expect(served).toEqual(['/a', '/b', '/c', '/d', '/e']);
  });

  it('drops a connection that closed while it waited, and an error meanwhile crashes nothing', async () => {
    const { served, arrive } = pacedServer(1);
    arrive('/first');
    const closed = arrive('/closed');
    const failing = arrive('/failing');
    closed.destroy();
    // A socket with no 'error' listener would throw here (ECONNRESET from a visitor gone away).
    failing.emit('error', new Error('read ECONNRESET'));
    await nextTurn();
    await nextTurn();
    expect(served).toEqual(['/first', '/failing']);
    // Handed over, it carries only its new owner's error listener.
    expect(failing.listenerCount('error')).toBe(1);
  });
});
