import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookPayload } from '../../shared/webhooks.js';

export interface ReceivedHook {
  /** 1 for the first request this receiver got. */
  n: number;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received, for signature checks. */
  raw: Buffer;
  body: WebhookPayload;
  at: number;
}

/** How to answer a request: an HTTP status, or `'hang'` to accept it and never answer. */
export type Respond = (hook: ReceivedHook) => number | 'hang';

export interface WebhookReceiver {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  received: ReceivedHook[];
  /** Requests being held open by `'hang'`. */
  hanging(): number;
  /** Held requests the sender gave up on (closed before an answer). */
  abandoned(): number;
  /** Resolves once `condition` holds, checked now and after each request or abandonment. */
  until(condition: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on port 0 standing in for a customer's webhook endpoint. */
export async function startWebhookReceiver(respond: Respond): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const held = new Set<ServerResponse>();
  let abandoned = 0;
  const waiters = new Set<{ condition: () => boolean; resolve: () => void }>();
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.condition()) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const hook: ReceivedHook = {
        n: received.length + 1,
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: JSON.parse(raw.toString('utf8')) as WebhookPayload,
        at: performance.now(),
      };
      received.push(hook);
      const answer = respond(hook);
      if (answer === 'hang') {
        held.add(res);
        res.on('close', () => {
          if (held.delete(res)) abandoned++;
          check();
        });
      } else {
        res.writeHead(answer, { 'Content-Type': 'text/plain' }).end('ok');
      }
      check();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    hanging: () => held.size,
    abandoned: () => abandoned,
    until(condition) {
      if (condition()) return Promise.resolve();
      return new Promise((resolve) => waiters.add({ condition, resolve }));
    },
    async close() {
      held.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
