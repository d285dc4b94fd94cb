/**
 * The baseline server: bare Socket.IO on the same `/chat` namespace and events, with the same
 * payloads, and no validation or security. `chat:start` joins the socket to a room of its own;
 * `message:send` relays the message to the room (but the sender, with `echo: false`) and acks
 * it. No database, unless BARE_DATABASE_URL is set: then `chat:start` first runs the raw baseline's
 * transaction (lib/rawChatStart.ts) on it, on a pool as large as the node's, and acks what it
 * wrote — the least any server answering `chat:start` over Socket.IO adds to that transaction.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { Server } from 'socket.io';
import { rawChatStart, type Contact } from '../lib/rawChatStart.js';
import { memoryAfterGc, serveCommands } from '../lib/workerCommands.js';

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 100_000 });
const seqs = new Map<string, number>();
const db = process.env.BARE_DATABASE_URL ? postgres(process.env.BARE_DATABASE_URL, { max: 20, onnotice: () => {} }) : undefined;

io.of('/chat').on('connection', (socket) => {
  let room: string | undefined;
  socket.on('chat:start', (payload: Contact, ack: (answer: unknown) => void) => {
    const join = (sessionId: string) => {
      room = sessionId;
      seqs.set(room, 0);
      void socket.join(room);
    };
    if (!db) {
      join(randomUUID());
      return ack({ ok: true, data: { sessionId: room } });
    }
    rawChatStart(db, payload).then(
      (started) => {
        join(started.sessionId);
        ack({ ok: true, data: started });
      },
      (error: unknown) => ack({ ok: false, error: { code: 'INTERNAL', message: String(error) } }),
    );
  });
  socket.on('message:send', (payload: { body: string; clientMsgId: string; echo?: boolean }, ack: (answer: unknown) => void) => {
    if (!room) return ack({ ok: false, error: { code: 'UNAUTHORIZED', message: 'start first' } });
    const seq = (seqs.get(room) ?? 0) + 1;
    seqs.set(room, seq);
    const message = { id: randomUUID(), sessionId: room, seq, senderType: 'client', body: payload.body, clientMsgId: payload.clientMsgId, createdAt: new Date().toISOString() };
    (payload.echo === false ? io.of('/chat').to(room).except(socket.id) : io.of('/chat').to(room)).emit('message:new', message);
    ack({ ok: true, data: message });
  });
  socket.on('disconnect', () => {
    if (room) seqs.delete(room);
  });
});

await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const { port } = httpServer.address() as AddressInfo;
serveCommands(
  {
    memory: () => memoryAfterGc(),
    stop: async () => {
      io.disconnectSockets(true);
      await new Promise((resolve) => io.close(resolve));
      await db?.end();
    },
  },
  { url: `http://127.0.0.1:${port}` },
);
