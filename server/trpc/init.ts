import { initTRPC } from '@trpc/server';
import { z, ZodError } from 'zod';
import { AppError, validationError } from '../errors.js';
import type { Context } from './context.js';
import { toTRPCError } from './errors.js';

const t = initTRPC.context<Context>().create({
  // Stack traces are internals: never sent, whatever NODE_ENV says.
  isDev: false,
  sse: {
    // Keeps proxies from closing an idle stream; the client reconnects if pings stop.
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 40_000 },
  },
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    const zodError = error.code === 'BAD_REQUEST' && cause instanceof ZodError ? cause : undefined;
    const appError = cause instanceof AppError ? cause : undefined;
    return {
      ...shape,
      message: zodError ? 'Invalid input' : shape.message,
      data: {
        ...shape.data,
        /** The Atende error code (PROTOCOL §2), when the error is one of ours. */
        appCode: appError?.code ?? (zodError ? 'VALIDATION' : null),
        /** Field path → first message, for BAD_REQUEST. */
        fields: zodError ? (validationError(zodError).fields ?? null) : (appError?.fields ?? null),
        /** zod's own flattened form of an invalid input. */
        zodError: zodError ? z.flattenError(zodError) : null,
        requestId: ctx?.requestId ?? null,
      },
    };
  },
});

export const router = t.router;

/** Every procedure answers with the AppError vocabulary mapped to tRPC codes, never re-wrapped. */
const mapErrors = t.middleware(async function mapErrors({ next }) {
  const result = await next();
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') throw toTRPCError(result.error);
  return result;
});

/** Needs a valid, unrevoked agent API token; narrows `ctx.agent`. */
const requireAgent = t.middleware(async function requireAgent({ ctx, next }) {
  // Token guessing costs the caller's IP (its agent-token bucket); once per HTTP request.
  const agent = await ctx.authenticateAgent();
  ctx.liveness.apiCalled(agent.id);
  return next({ ctx: { agent, logger: ctx.logger.child({ agentId: agent.id }) } });
});

export const publicProcedure = t.procedure.use(mapErrors);

/** Any agent. */
export const agentProcedure = publicProcedure.use(requireAgent);

/** Admins only; an agent gets FORBIDDEN. */
export const adminProcedure = agentProcedure.use(function requireAdmin({ ctx, next }) {
  if (ctx.agent.role !== 'admin') throw new AppError('FORBIDDEN', 'This needs an admin agent');
  return next({ ctx: { agent: ctx.agent } });
});
