import nodemailer from 'nodemailer';

/** One e-mail as it leaves the node. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The same for every attempt at one outbox row, so a receiver can spot the one duplicate a crash may cause. */
  messageId: string;
}

/** Where e-mails go out: SMTP in a node, anything in a unit test. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * Nodemailer over SMTP_URL, one connection per e-mail (a pool would hold a dead connection
 * across an outage). The timeouts keep one send well inside the outbox lease.
 */
export function createSmtpTransport(smtpUrl: string): MailTransport {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ ...mail, headers: { 'Auto-Submitted': 'auto-generated' } });
    },
    close: () => transport.close(),
  };
}
