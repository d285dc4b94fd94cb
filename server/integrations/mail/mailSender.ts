import type { MailRetryConfig } from '../../automations/automationsConfig.js';
import type { Database } from '../../db/client.js';
import type { MailOutboxRow } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import { mailOutboxRepository } from '../../repositories/mailOutbox.js';
import type { MailTransport } from './smtpTransport.js';

export interface MailSender {
  /** Looks for due e-mails now (after this node committed one), instead of at the next poll. */
  wake(): void;
  /** Resolves when this node is not sending. */
  idle(): Promise<void>;
  /** Stops claiming, lets the sends under way finish (bounded), closes the transport. */
  stop(): Promise<void>;
}

export interface MailSenderDeps {
  db: Database;
  transport: MailTransport;
  from: string;
  /** Makes Message-IDs: `<outbox id>@<domain>`. */
  messageIdDomain: string;
  retry: MailRetryConfig;
  logger: Logger;
  /** Called after each attempt (metrics, tests). */
  onAttempt?: (outcome: 'sent' | 'retry' | 'failed') => void;
}

const CLAIM_BATCH = 10;
const STOP_GRACE_MS = 3000;

/**
 * The outbox sender of one node (PROTOCOL §9). Every node runs one over the same outbox: a
 * round claims due e-mails under a lease (`for update skip locked`: never one another node
 * holds), sends them, and marks each sent, or due again after a backoff with jitter, or failed
 * once its attempts are spent (with the last error kept).
 *
 * Delivery is at least once and, but for one case, exactly once: a node that dies after the
 * SMTP server accepted an e-mail and before marking it sent leaves it leased, and another
 * node sends it again when the lease runs out — at most one duplicate, with the same
 * Message-ID. A node that dies before the server accepted it loses nothing: the lease runs
 * out and the e-mail goes out from another node.
 */
export function startMailSender(deps: MailSenderDeps): MailSender {
  const { db, transport, retry } = deps;
  const logger = deps.logger.child({ component: 'mail' });
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function round(): Promise<void> {
    do {
      again = false;
      const claimed = await mailOutboxRepository.claim(db, CLAIM_BATCH, retry.leaseMs);
      await Promise.all(claimed.map(sendOne));
      if (claimed.length === CLAIM_BATCH) again = true;
    } while (again && !stopped);
  }

  async function sendOne(row: MailOutboxRow): Promise<void> {
    // A sender died holding its last attempt: no attempt is left to make.
    if (row.attempts > retry.attempts) {
      await mailOutboxRepository.markFailed(db, row.id, row.attempts, row.lastError ?? 'the node sending it stopped', null);
      deps.onAttempt?.('failed');
      return;
    }
    try {
      await transport.send({
        from: deps.from,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody,
        html: row.htmlBody,
        messageId: `<${row.id}@${deps.messageIdDomain}>`,
      });
    } catch (error) {
      const reason = describe(error);
      const retryInMs = row.attempts >= retry.attempts ? null : backoffMs(row.attempts, retry);
      await mailOutboxRepository.markFailed(db, row.id, row.attempts, reason, retryInMs);
      if (retryInMs === null) logger.error({ mailId: row.id, attempts: row.attempts, reason }, 'e-mail given up');
      else logger.warn({ mailId: row.id, attempt: row.attempts, retryInMs, reason }, 'e-mail not sent; will retry');
      deps.onAttempt?.(retryInMs === null ? 'failed' : 'retry');
      return;
    }
    await mailOutboxRepository.markSent(db, row.id, row.attempts);
    deps.onAttempt?.('sent');
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((error: unknown) => logger.warn({ err: error }, 'mail outbox round failed; retrying next round'))
      .finally(() => {
        running = undefined;
        if (again) kick();
      });
  }

  const timer = setInterval(kick, retry.pollMs);
  timer.unref();
  kick();

  return {
    wake: kick,
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise((resolve) => (timeout = setTimeout(resolve, STOP_GRACE_MS)))]);
      clearTimeout(timeout);
      transport.close();
    },
  };
}

/** Exponential from `baseDelayMs`, capped, with full jitter over its upper half (nodes retrying together spread out). */
export function backoffMs(attempt: number, retry: Pick<MailRetryConfig, 'baseDelayMs' | 'maxDelayMs'>): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
  return text.slice(0, 1000);
}
