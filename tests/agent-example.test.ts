import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startChat } from '../server/services/chat/startChat.js';
import { agentClient, newAdminToken } from './support/agent.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useTestNode } from './support/suite.js';

const ROOT = join(import.meta.dirname, '..');

describeOnEachDriver('scripts/agent-example.ts (documentation that runs)', (db) => {
  const adminToken = newAdminToken();
  let child: ChildProcess | undefined;
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  afterAll(async () => {
    child?.kill('SIGKILL');
  });

  it('lists the chat tickets with a transcript and prints events as they happen', async () => {
    const admin = agentClient(node().url, adminToken);
    const { token } = await admin.agents.create.mutate({ name: 'Script Agent', email: uniqueContact().email, role: 'agent' });
    const contact = uniqueContact('Script Cliente');
    const { started } = await startChat(
      { name: contact.name, email: contact.email, phone: contact.e164, message: 'Primeira mensagem' },
      node().ctx,
    );

    let output = '';
    const waiters: { text: string; resolve: () => void }[] = [];
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/agent-example.ts'], {
      cwd: ROOT,
      env: { ...process.env, ATENDE_URL: node().url, ATENDE_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      for (const waiter of [...waiters]) if (output.includes(waiter.text)) waiter.resolve();
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    const printed = (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (output.includes(text)) return resolve();
        waiters.push({ text, resolve });
        child!.once('exit', (code) => reject(new Error(`script exited (${code}) before printing ${text}:\n${output}`)));
      });

    // Printed once the server holds the subscription.
    await printed('Following events');
    expect(output).toContain('Signed in as Script Agent');
    expect(output).toContain(`#${started.ticketNumber}  OPEN`);
    expect(output).toContain('1. [client] Primeira mensagem');

    await agentClient(node().url, token).tickets.reply.mutate({ id: started.ticketId, body: 'Resposta ao vivo', clientMsgId: 'live' });
    await printed(`#${started.ticketNumber}  message.created "Resposta ao vivo"`);
  });
});
