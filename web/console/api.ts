import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../server/trpc/appRouter.js';
import { t } from './i18n/index.js';

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

type ErrorData = { code?: string; appCode?: string | null; fields?: Record<string, string> | null } | undefined;

/** True when the API refused the token (so the console signs out). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as ErrorData)?.code === 'UNAUTHORIZED';
}

/**
 * True when the node does not know the procedure (an older node, or a feature not deployed
 * yet): tRPC's own NOT_FOUND, which carries no Atende error code. The console then leaves the
 * feature out instead of showing an error.
 */
export function isMissingProcedure(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data = error.data as ErrorData;
  return data?.code === 'NOT_FOUND' && !data.appCode;
}

/**
 * A message for people, in the console's language, from whatever the API threw: the server's
 * own texts are English, so they are never shown as they are; the error code (and for an
 * invalid input, the fields) chooses the console's words.
 */
export function errorMessage(error: unknown): string {
  if (!(error instanceof TRPCClientError)) return t.errors.INTERNAL;
  const data = error.data as ErrorData;
  if (!data) return t.errors.network;
  const fields = Object.keys(data.fields ?? {});
  if (fields.length) return fields.map((field) => t.errors.field(t.fields[field.split('.')[0]!] ?? field)).join(' ');
  const code = (data.appCode ?? TRPC_TO_APP[data.code ?? ''] ?? 'INTERNAL') as keyof typeof t.errors;
  const message = t.errors[code];
  return typeof message === 'string' ? message : t.errors.INTERNAL;
}

/** tRPC's codes, for errors that did not come from an Atende service (its own parser, limits). */
const TRPC_TO_APP: Record<string, string> = {
  BAD_REQUEST: 'VALIDATION',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'UNAVAILABLE',
  PAYLOAD_TOO_LARGE: 'VALIDATION',
};
