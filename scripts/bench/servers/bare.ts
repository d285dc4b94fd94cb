/**
 * The baseline server: bare Socket.IO on the same `/chat` namespace and events, with the same
 * payloads, and no validation or security. `chat:start` joins the socket to a room of its own;
 * `message:send` relays the message to the room (but the sender, with `echo: false`) and acks
 * it. No database, unless BARE_DATABASE_URL is set: then each event first runs the raw
 * baseline's statements there (lib/rawBaseline.ts; `chat:start` its transaction, `message:send`
 * one autocommitted INSERT, the seq counted here), on a pool of BARE_DATABASE_POOL_SIZE (20),
 * and answers what they wrote: the least any server answering these events over Socket.IO adds
 * to those statements.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { Server } from 'socket.io';
import { rawChatStart, rawMessageInsert, type Contact } from '../lib/rawBaseline.js';
import { memoryAfterGc, serveCommands } from '../lib/workerCommands.js';

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 100_000 });
const seqs = new Map<string, number>();
const db = process.env.BARE_DATABASE_URL
  ? postgres(process.env.BARE_DATABASE_URL, { max: Number(process.env.BARE_DATABASE_POOL_SIZE ?? 20), onnotice: () => {} })
  : undefined;

type Ack = (answer: unknown) => void;
const failed = (ack: Ack) => (error: unknown) => ack({ ok: false, error: { code: 'INTERNAL', message: String(error) } });

io.of('/chat').on('connection', (socket) => {
  let room: string | undefined;
  socket.on('chat:start', (payload: Contact, ack: Ack) => {
    const started = db ? rawChatStart(db, payload) : Promise.resolve({ sessionId: randomUUID() });
    started.then((data) => {
      room = data.sessionId;
      seqs.set(room, 0);
      void socket.join(room);
      ack({ ok: true, data });
    }, failed(ack));
  });
  socket.on('message:send', (payload: { body: string; clientMsgId: string; echo?: boolean }, ack: Ack) => {
    if (!room) return ack({ ok: false, error: { code: 'UNAUTHORIZED', message: 'start first' } });
    const sessionId = room;
    const seq = (seqs.get(sessionId) ?? 0) + 1;
    seqs.set(sessionId, seq);
    const written = db
      ? rawMessageInsert(db, { sessionId, seq, body: payload.body, clientMsgId: payload.clientMsgId }).then((row) => ({
          id: row.id as string,
          createdAt: (row.created_at as Date).toISOString(),
        }))
      : Promise.resolve({ id: randomUUID(), createdAt: new Date().toISOString() });
    written.then(({ id, createdAt }) => {
      const message = { id, sessionId, seq, senderType: 'client', body: payload.body, clientMsgId: payload.clientMsgId, createdAt };
      (payload.echo === false ? io.of('/chat').to(sessionId).except(socket.id) : io.of('/chat').to(sessionId)).emit('message:new', message);
      ack({ ok: true, data: message });
    }, failed(ack));
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
      await db?.end({ timeout: 5 });
    },
  },
  { url: `http://127.0.0.1:${port}` },
);
