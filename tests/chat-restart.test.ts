import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Message } from '../shared/chat.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import { connectCustomer, requestOk, startChatOn, waitForEvent } from './support/customer.js';
import { printNodeOutputOnFailure, runNodeExpectingFailure, spawnNode, type NodeProcess } from './support/processNode.js';


printNodeOutputOnFailure();

describe('a chat survives the node process restarting (PGlite under DATA_DIR)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'atende-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  // Two node processes each open the embedded database (initdb the first time): slow on a busy machine.
  it('resumes after SIGTERM and a new process on the same data, with exactly the messages after lastSeq', { timeout: 120_000 }, async () => {
    const first = await spawnNode({ DATA_DIR: dataDir });
    const { socket, started } = await startChatOn(first.url);
    const sent: Message[] = [];
    for (let i = 1; i <= 6; i++) {
      sent.push(await requestOk<Message>(socket, 'message:send', { body: `antes ${i}`, clientMsgId: `b${i}` }));
    }
    const disconnected = waitForEvent(socket, 'disconnect');
    expect(await first.stop('SIGTERM')).toBe(0);
    await disconnected;

    const second = await spawnNode({ DATA_DIR: dataDir });
    try {
      const back = await connectCustomer(second.url);
      const resumed = await requestOk(back, 'chat:resume', { resumeToken: started.resumeToken, lastSeq: 4 });
      expect(resumed.messages).toEqual(sent.slice(4));
      const next = await requestOk<Message>(back, 'message:send', { body: 'depois', clientMsgId: 'a1' });
      expect(next.seq).toBe(7);
      back.disconnect();
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });
});

describe.skipIf(!inject('postgresAvailable'))('two node processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let nodeA: NodeProcess;
  let nodeB: NodeProcess;
  beforeAll(async () => {
    database = await openTestPostgres();
    [nodeA, nodeB] = await Promise.all([
      spawnNode({ DATABASE_URL: database.url! }),
      spawnNode({ DATABASE_URL: database.url! }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.stop('SIGTERM'), nodeB?.stop('SIGTERM')]);
    await database?.close();
  });

  it('a customer who started on A resumes on B with nothing missing, and on A again after A restarts', async () => {
    const { socket, started } = await startChatOn(nodeA.url);
    const sent: Message[] = [];
    for (let i = 1; i <= 3; i++) {
      sent.push(await requestOk<Message>(socket, 'message:send', { body: `a${i}`, clientMsgId: `a${i}` }));
    }
    socket.disconnect();

    const onB = await connectCustomer(nodeB.url);
    const resumed = await requestOk(onB, 'chat:resume', { resumeToken: started.resumeToken, lastSeq: 1 });
    expect(resumed.messages).toEqual(sent.slice(1));
    sent.push(await requestOk<Message>(onB, 'message:send', { body: 'b1', clientMsgId: 'b1' }));
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    onB.disconnect();

    expect(await nodeA.stop('SIGKILL')).toBe(null);
    nodeA = await spawnNode({ DATABASE_URL: database.url! });
    const backOnA = await connectCustomer(nodeA.url);
    const all = await requestOk(backOnA, 'chat:resume', { resumeToken: started.resumeToken });
    expect(all.messages).toEqual(sent);
    backOnA.disconnect();
  });
});

describe('configuration', () => {
  it.each([
    ['PORT', { PORT: 'not-a-port' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/x' }],
    ['DEFAULT_PHONE_REGION', { DEFAULT_PHONE_REGION: 'XX' }],
    ['TZ', { TZ: 'Mars/Olympus' }],
    ['CHAT_IDLE_TIMEOUT_MS', { CHAT_IDLE_TIMEOUT_MS: '-5' }],
  ])('a bad %s stops the node at start with a message naming it', async (variable, env) => {
    const { code, output } = await runNodeExpectingFailure({ DATA_DIR: 'memory://', ...env });
    expect(code).not.toBe(0);
    expect(output).toContain(variable);
  });
});
