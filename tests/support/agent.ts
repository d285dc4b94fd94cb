import { randomBytes } from 'node:crypto';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
  type TRPCClient,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import { expect } from 'vitest';
import type { AppRouter } from '../../server/trpc/appRouter.js';
import type { DomainEvent } from '../../shared/tickets.js';

export type AgentClient = TRPCClient<AppRouter>;

/** A fresh ADMIN_TOKEN for a test node. */
export function newAdminToken(): string {
  return `test-admin-${randomBytes(16).toString('hex')}`;
}

/**
 * The typed client agent tooling uses: queries and mutations over HTTP with the token as a
 * Bearer header, subscriptions over SSE with the token in connectionParams.
 */
export function agentClient(baseUrl: string, token?: string, options: { fetch?: typeof fetch } = {}): AgentClient {
  const url = `${baseUrl}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, EventSource, connectionParams: token ? { token } : undefined }),
        false: httpBatchLink({ url, headers: token ? { Authorization: `Bearer ${token}` } : {}, fetch: options.fetch }),
      }),
    ],
  });
}

/** Asserts the call fails with this tRPC code; returns the error for further checks. */
export async function expectTrpcError(call: Promise<unknown>, code: string): Promise<TRPCClientError<AppRouter>> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(TRPCClientError);
  const trpcError = error as TRPCClientError<AppRouter>;
  expect(trpcError.data?.code, trpcError.message).toBe(code);
  return trpcError;
}

export interface EventFollower {
  /** Resolves once the server holds the subscription: events published after it are seen. */
  started: Promise<void>;
  events: DomainEvent[];
  /** The first event (seen or still to come) that satisfies the predicate. */
  next(predicate: (event: DomainEvent) => boolean): Promise<DomainEvent>;
  stop(): void;
}

/** Follows `tickets.onEvent` and keeps every event, so a test can wait for one without sleeping. */
export function followEvents(client: AgentClient, input?: { ticketId?: string }): EventFollower {
  const events: DomainEvent[] = [];
  const waiters: { predicate: (event: DomainEvent) => boolean; resolve: (event: DomainEvent) => void }[] = [];
  let markStarted!: () => void;
  let fail!: (error: unknown) => void;
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve;
    fail = reject;
  });
  const subscription = client.tickets.onEvent.subscribe(input, {
    onStarted: () => markStarted(),
    // Items are tracked: `{ id, data }`; the stream's own markers (stream.ready) are not events.
    onData: ({ data }) => {
      if (data.type === 'stream.ready' || data.type === 'stream.reset') return;
      const event = data as DomainEvent;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    },
    onError: (error) => fail(error),
  });
  return {
    started,
    events,
    next(predicate) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    stop: () => subscription.unsubscribe(),
  };
}
