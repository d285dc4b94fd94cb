import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

export interface SmtpReceiver {
  port: number;
  url: string;
  /** Every e-mail the server accepted, in order. */
  mails: ReceivedMail[];
  /** Resolves once `count` e-mails were accepted in all. */
  waitForCount(count: number): Promise<ReceivedMail[]>;
  /** The first accepted e-mail (already or later) that satisfies the predicate. */
  next(predicate: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  /** How e-mails are answered: accepted, refused for good (550), or held without an answer. */
  mode: 'accept' | 'reject' | 'stall';
  /** Resolves when an e-mail's data has begun arriving while the mode is `stall`. */
  stalled(): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on a local port, its e-mails parsed with mailparser. */
export async function startSmtpReceiver(port = 0): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const waiters: Array<{ predicate: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }> = [];
  const stallWaiters: Array<() => void> = [];
  const receiver = { mode: 'accept' } as SmtpReceiver;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 500,
    onRcptTo(_address, _session, callback) {
      if (receiver.mode === 'reject') return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (receiver.mode === 'stall') {
          for (const resolve of stallWaiters.splice(0)) resolve();
          return; // never answered: the sender cannot know whether it was accepted
        }
        void simpleParser(Buffer.concat(chunks)).then((parsed) => {
          const mail: ReceivedMail = {
            messageId: parsed.messageId ?? '',
            to: Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? ''),
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            parsed,
          };
          mails.push(mail);
          callback();
          for (const waiter of [...waiters]) {
            if (waiter.predicate(mail)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(mail);
            }
          }
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.server.address() as AddressInfo).port;
  function next(predicate: (mail: ReceivedMail) => boolean): Promise<ReceivedMail> {
    const seen = mails.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.push({ predicate, resolve }));
  }
  return Object.assign(receiver, {
    port: actualPort,
    url: `smtp://127.0.0.1:${actualPort}`,
    mails,
    next,
    async waitForCount(count: number) {
      while (mails.length < count) await new Promise<ReceivedMail>((resolve) => waiters.push({ predicate: () => true, resolve }));
      return mails;
    },
    stalled: () => new Promise<void>((resolve) => stallWaiters.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
