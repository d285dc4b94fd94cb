import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../server/trpc/appRouter.js';

/**
 * The agent API client: queries and mutations batched over HTTP with the token in the
 * Authorization header; `tickets.onEvent` over Server-Sent Events, where a browser cannot
 * set headers, so the token travels as a connection parameter (read by server/trpc/context.ts).
 */
export function createApi(token: string) {
  const url = new URL('/trpc', location.origin).toString();
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, connectionParams: () => ({ token }) }),
        false: httpBatchLink({ url, headers: () => ({ Authorization: `Bearer ${token}` }) }),
      }),
    ],
  });
}

export type Api = ReturnType<typeof createApi>;

/** True when the API refused the token (so the console signs out). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED';
}

/** A message for people from whatever the API threw. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const fields = (error.data as { fields?: Record<string, string> | null } | undefined)?.fields;
    const first = fields ? Object.values(fields)[0] : undefined;
    return first ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
