import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import type { Database } from '../server/db/client.js';
import { mailOutbox } from '../server/db/schema.js';
import { backoffMs } from '../server/integrations/mail/mailSender.js';
import type { AtendeNode } from '../server/main.js';
import { mailOutboxRepository, type NewMail } from '../server/repositories/mailOutbox.js';
import { escapeHtml, lateReplyMail } from '../server/services/mail/mailTemplates.js';
import { freePort } from '../scripts/dev/redisServer.js';
import { describeOnEachDriver, openTestPostgres, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtpReceiver.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FAST_MAIL = { attempts: 10, baseDelayMs: 30, maxDelayMs: 200, leaseMs: 2000, pollMs: 50 };

function newMail(tag: string, i = 0): NewMail {
  return {
    kind: 'transcript',
    dedupeKey: `test:${tag}:${i}`,
    toAddress: `cliente.${tag}.${i}@example.com`,
    subject: `Assunto ${tag} ${i}`,
    textBody: `Corpo ${tag} ${i}\n`,
    htmlBody: `<p>Corpo ${tag} ${i}</p>`,
    clientId: null,
    ticketId: null,
  };
}

async function enqueueMany(db: Database, tag: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    await mailOutboxRepository.enqueue(db, newMail(tag, i));
    keys.push(`test:${tag}:${i}`);
  }
  return keys;
}

async function rowsOf(db: Database, keys: string[]) {
  return db.select().from(mailOutbox).where(inArray(mailOutbox.dedupeKey, keys));
}

/** Waits (polling the outbox, the one place the outcome is kept) until every row satisfies the check. */
async function waitForRows(db: Database, keys: string[], check: (row: typeof mailOutbox.$inferSelect) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await rowsOf(db, keys);
    if (rows.length === keys.length && rows.every(check)) return rows;
    if (Date.now() > deadline) throw new Error(`outbox rows not as expected: ${JSON.stringify(rows.map((r) => [r.status, r.attempts, r.lastError]))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function receiver(port?: number): Promise<SmtpReceiver> {
  const started = await startSmtpReceiver(port);
  cleanups.push(() => started.close());
  return started;
}

async function node(db: TestDatabase, smtpUrl: string, mailRetry: Partial<typeof FAST_MAIL> = {}): Promise<AtendeNode> {
  const started = await startTestNode(
    db.handle,
    { SMTP_URL: smtpUrl, MAIL_FROM: 'Loja <atendimento@loja.example>' },
    { automations: parseAutomations({ mailRetry: { ...FAST_MAIL, ...mailRetry } }) },
  );
  cleanups.push(() => started.stop());
  return started;
}

describe('mail pieces', () => {
  it('backoff grows exponentially to its cap, with jitter in the upper half', () => {
    const retry = { baseDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 50; i++) {
      expect(backoffMs(1, retry)).toBeGreaterThanOrEqual(50);
      expect(backoffMs(1, retry)).toBeLessThanOrEqual(100);
      expect(backoffMs(3, retry)).toBeGreaterThanOrEqual(200);
      expect(backoffMs(3, retry)).toBeLessThanOrEqual(400);
      expect(backoffMs(30, retry)).toBeLessThanOrEqual(1000);
      expect(backoffMs(30, retry)).toBeGreaterThanOrEqual(500);
    }
  });

  it('every text written by a person is escaped in the HTML, and kept as is in the plain text', () => {
    const evil = `<script>alert("x")</script> & 'y'`;
    const mail = lateReplyMail({ locale: 'pt-BR', customerName: evil, ticketNumber: 7, agentName: evil, body: evil, link: 'http://h/c/a.b.c' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(escapeHtml(evil));
    expect(mail.text).toContain(evil);
    expect(mail.subject).toBe('Nova resposta ao seu atendimento #7');
    expect(lateReplyMail({ locale: 'en', customerName: 'A', ticketNumber: 7, agentName: 'B', body: 'c', link: 'l' }).subject).toBe(
      'New reply to your support request #7',
    );
  });
});

describeOnEachDriver('mail outbox', (db) => {
  it('an e-mail committed to the outbox goes out once, as text and HTML, and is marked sent', async () => {
    const smtp = await receiver();
    const started = await node(db(), smtp.url);
    const tag = randomUUID();
    const [key] = await enqueueMany(db().handle.db, tag, 1);
    started.ctx.mail.wake();
    const mail = await smtp.next((m) => m.subject === `Assunto ${tag} 0`);
    expect(mail.to).toBe(`cliente.${tag}.0@example.com`);
    expect(mail.from).toContain('atendimento@loja.example');
    expect(mail.text).toContain(`Corpo ${tag} 0`);
    expect(mail.html).toContain(`<p>Corpo ${tag} 0</p>`);
    const [row] = await waitForRows(db().handle.db, [key!], (r) => r.status === 'sent');
    expect(mail.messageId).toBe(`<${row!.id}@localhost>`);
    expect(row!.attempts).toBe(1);
    expect(row!.sentAt).toBeInstanceOf(Date);
  });

  it('a second enqueue under the same dedupe key stores nothing', async () => {
    const mail = newMail(randomUUID());
    expect(await mailOutboxRepository.enqueue(db().handle.db, mail)).toBe(true);
    expect(await mailOutboxRepository.enqueue(db().handle.db, { ...mail, subject: 'other' })).toBe(false);
    expect(await rowsOf(db().handle.db, [mail.dedupeKey])).toHaveLength(1);
  });

  it('SMTP down for a while: e-mails wait, retried with backoff, go out once it returns, none twice', async () => {
    const port = await freePort();
    const started = await node(db(), `smtp://127.0.0.1:${port}`);
    const tag = randomUUID();
    const keys = await enqueueMany(db().handle.db, tag, 5);
    started.ctx.mail.wake();
    // Every e-mail failed at least twice, and says why.
    await waitForRows(db().handle.db, keys, (r) => r.status === 'pending' && r.attempts >= 2 && /ECONNREFUSED/.test(r.lastError ?? ''));
    const smtp = await receiver(port);
    const rows = await waitForRows(db().handle.db, keys, (r) => r.status === 'sent');
    const mine = smtp.mails.filter((m) => m.subject.startsWith(`Assunto ${tag}`));
    expect(mine).toHaveLength(5);
    expect(new Set(mine.map((m) => m.messageId)).size).toBe(5);
    expect(rows.every((r) => r.lastError === null)).toBe(true);
  });

  it('gives up after its attempts and records why', async () => {
    const smtp = await receiver();
    smtp.mode = 'reject';
    const started = await node(db(), smtp.url, { attempts: 3 });
    const keys = await enqueueMany(db().handle.db, randomUUID(), 1);
    started.ctx.mail.wake();
    const [row] = await waitForRows(db().handle.db, keys, (r) => r.status === 'failed');
    expect(row!.attempts).toBe(3);
    expect(row!.lastError).toMatch(/550/);
    expect(smtp.mails).toHaveLength(0);
  });

  it('without SMTP_URL nothing is enqueued', async () => {
    const started = await startTestNode(db().handle);
    cleanups.push(() => started.stop());
    expect(started.ctx.mail.enabled).toBe(false);
    expect(started.mail).toBeUndefined();
  });
});

describe.skipIf(!inject('postgresAvailable'))('mail outbox shared by node processes', () => {
  printNodeOutputOnFailure();
  let database: TestDatabase;
  const nodes: NodeProcess[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await database?.close();
  });

  function automationsFile(mailRetry: Partial<typeof FAST_MAIL>): string {
    const file = join(mkdtempSync(join(tmpdir(), 'atende-mail-')), 'automations.json');
    writeFileSync(file, JSON.stringify({ mailRetry: { ...FAST_MAIL, ...mailRetry } }));
    return file;
  }

  async function spawnMailNode(smtpUrl: string, mailRetry: Partial<typeof FAST_MAIL> = {}) {
    const started = await spawnNode({
      DATABASE_URL: database.url!,
      SMTP_URL: smtpUrl,
      MAIL_FROM: 'loja@loja.example',
      AUTOMATIONS_FILE: automationsFile(mailRetry),
    });
    nodes.push(started);
    return started;
  }

  it('two nodes sending from one outbox send each e-mail once', async () => {
    database = await openTestPostgres();
    const smtp = await receiver();
    const tag = randomUUID();
    // Committed before the nodes start, so both find all of them due at once and race for them.
    const keys = await enqueueMany(database.handle.db, tag, 40);
    // A lease that outlasts a send on a busy machine: this test is about the claim race. With the
    // 2 s lease of the others, a send slowed past it (load average 10) was rightly taken again by
    // the other node, the redelivery the killed-node test covers, and counted here as a duplicate.
    await Promise.all([spawnMailNode(smtp.url, { leaseMs: 60_000 }), spawnMailNode(smtp.url, { leaseMs: 60_000 })]);
    await waitForRows(database.handle.db, keys, (r) => r.status === 'sent', 120_000);
    const mine = smtp.mails.filter((m) => m.subject.startsWith(`Assunto ${tag}`));
    expect(mine).toHaveLength(40);
    expect(new Set(mine.map((m) => m.subject)).size).toBe(40);
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  it('a node killed mid-send loses nothing: another node sends the e-mail once its lease runs out', async () => {
    const smtp = await receiver();
    smtp.mode = 'stall';
    const stalled = smtp.stalled();
    const first = await spawnMailNode(smtp.url, { leaseMs: 1500 });
    const tag = randomUUID();
    const keys = await enqueueMany(database.handle.db, tag, 1);
    await stalled; // the e-mail's data reached the server, which has not answered it
    await first.stop('SIGKILL');
    smtp.mode = 'accept';
    await spawnMailNode(smtp.url, { leaseMs: 1500 });
    const [row] = await waitForRows(database.handle.db, keys, (r) => r.status === 'sent', 120_000);
    expect(row!.attempts).toBe(2);
    expect(smtp.mails.filter((m) => m.subject === `Assunto ${tag} 0`)).toHaveLength(1);
    const [stored] = await database.handle.db.select().from(mailOutbox).where(eq(mailOutbox.id, row!.id));
    expect(stored!.status).toBe('sent');
  });
});
