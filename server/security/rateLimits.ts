import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

export interface RateLimitSettings {
  chatStartsPerMinute: number;
  messagesPerMinute: number;
  httpRequestsPerMinute: number;
  failedAuthPerMinute: number;
  resumesPerMinute: number;
}

/** One limit: `consume` spends a point or throws RATE_LIMITED saying when to retry. */
export interface RateLimit {
  consume(key: string): Promise<void>;
  /** Throws RATE_LIMITED when `key` has already spent its points, without spending one. */
  check(key: string): Promise<void>;
  /** Gives back one point `consume` took (a token that turned out right). */
  refund(key: string): Promise<void>;
}

export interface RateLimits {
  /** `chat:start` / `PUT /api/chat`, per client IP. */
  chatStart: RateLimit;
  /** Messages per chat session (all its sockets and HTTP together). */
  sessionMessages: RateLimit;
  /** Messages per socket. */
  socketMessages: RateLimit;
  /** Every HTTP API call (chat API and tRPC), per client IP. */
  httpRequests: RateLimit;
  /** Wrong resume tokens (visitors), per client IP; `failedAuthPerMinute` points. */
  failedResumeAuth: RateLimit;
  /** Wrong agent API tokens, per client IP: its own bucket, so visitors' guesses never lock an office's agents out. */
  failedAgentAuth: RateLimit;
  /** `chat:resume` per socket (each resume reads up to a page of transcript). */
  socketResumes: RateLimit;
  /** `chat:resume` and `GET /api/chat` per chat session, all its sockets and HTTP together. */
  sessionResumes: RateLimit;
}

/**
 * The node's rate limits. With Redis they are shared by every node (a visitor cannot multiply
 * their allowance by reaching several nodes); while Redis is away each node falls back to its
 * own memory rather than refusing everyone. Limits per socket stay in the node's memory: a
 * socket lives on one node, and a Redis round trip would buy nothing.
 */
export function createRateLimits(
  settings: RateLimitSettings,
  /** The shared store, and REDIS_PREFIX for its keys. */
  store?: { redis: Redis; prefix: string },
  /** Told of each refusal, with the limit's name (the node's metrics). */
  onRefused: (limit: string) => void = () => {},
): RateLimits {
  /** `local`: keyed by something that lives on one node only (a socket), so nothing to share. */
  const make = (keyPrefix: string, points: number, scope: 'cluster' | 'local' = 'cluster'): RateLimit => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    const limiter: RateLimiterAbstract = store && scope === 'cluster'
      ? new RateLimiterRedis({
          storeClient: store.redis,
          keyPrefix: `${store.prefix}:rl:${keyPrefix}`,
          points,
          duration: 60,
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
        })
      : memory;
    return {
      async consume(key) {
        try {
          await limiter.consume(key);
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) onRefused(keyPrefix);
          throw refusal(rejection);
        }
      },
      async check(key) {
        const state = await limiter.get(key).catch(() => null);
        if (state && state.consumedPoints >= points) {
          onRefused(keyPrefix);
          throw refusal(state);
        }
      },
      async refund(key) {
        await limiter.reward(key, 1).catch(() => {});
      },
    };
  };
  return {
    chatStart: make('start', settings.chatStartsPerMinute),
    sessionMessages: make('session-msg', settings.messagesPerMinute),
    socketMessages: make('socket-msg', settings.messagesPerMinute, 'local'),
    httpRequests: make('http', settings.httpRequestsPerMinute),
    failedResumeAuth: make('auth-fail-resume', settings.failedAuthPerMinute),
    failedAgentAuth: make('auth-fail-agent', settings.failedAuthPerMinute),
    socketResumes: make('socket-resume', settings.resumesPerMinute, 'local'),
    sessionResumes: make('session-resume', settings.resumesPerMinute),
  };
}

function refusal(rejection: unknown): AppError {
  if (rejection instanceof RateLimiterRes) {
    return new AppError('RATE_LIMITED', 'Too many requests, slow down', {
      retryAfterMs: Math.max(1000, Math.ceil(rejection.msBeforeNext)),
    });
  }
  // Not reachable while the memory limiter backs the store; anything else is our fault.
  return new AppError('INTERNAL', 'Rate limiter unavailable', { cause: rejection });
}
