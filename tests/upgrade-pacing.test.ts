import { createServer, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { Server } from 'socket.io';
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

describe('paced upgrades over real sockets', () => {
  it('thirty WebSocket handshakes readable at once, two served per turn: every one completes, in turn', async () => {
    const httpServer = createServer();
    const io = new Server(httpServer);
    // Handed over by the pacer like Socket.IO's own listener: counts those served after their arrival's turn.
    let arriving: IncomingMessage | undefined;
    let waited = 0;
    httpServer.on('upgrade', (req: IncomingMessage) => {
      if (req !== arriving) waited++;
    });
    paceUpgrades(httpServer, 2);
    httpServer.prependListener('upgrade', (req: IncomingMessage) => (arriving = req));
    let accepted = 0;
    const allAccepted = new Promise<void>((resolve) => httpServer.on('connection', () => ++accepted === 30 && resolve()));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const { port } = httpServer.address() as AddressInfo;
    const sockets = await Promise.all(
      Array.from({ length: 30 }, () => new Promise<Socket>((resolve) => {
        const socket: Socket = connect(port, '127.0.0.1', () => resolve(socket));
      })),
    );
    try {
      await allAccepted;
      const answers = sockets.map(
        (socket) => new Promise<string>((resolve) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
            if (text.includes('\r\n\r\n')) resolve(text.split('\r\n')[0]!);
          });
        }),
      );
      // Written in one go: the node reads them all in one poll, as after another node's death.
      for (const socket of sockets) {
        socket.write(
          'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
        );
      }
      expect(await Promise.all(answers)).toEqual(Array.from({ length: 30 }, () => 'HTTP/1.1 101 Switching Protocols'));
      // All readable in the same poll: beyond the first turn's two (and a straggler), each waited for a later turn.
      expect(waited).toBeGreaterThanOrEqual(20);
      expect(io.engine.clientsCount).toBe(30);
    } finally {
      for (const socket of sockets) socket.destroy();
      await io.close();
    }
  });
});
