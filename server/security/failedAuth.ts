import { AppError } from '../errors.js';
import type { RateLimit } from './rateLimits.js';

/** How long a check may wait for a point on loan to come back before it is RATE_LIMITED. */
export const MAX_WAIT_FOR_POINT_MS = 10_000;
/** How many checks per key may wait at once; past it they are RATE_LIMITED at once. */
export const MAX_WAITERS_PER_KEY = 1000;

/** The checks of one key in flight on this node: points on loan, and who waits for one. */
interface KeyLoans {
  onLoan: number;
  /** Counts loans settled, so a check that lost a race with a refund tries again. */
  settled: number;
  waiters: Array<() => void>;
}

/** Per limit (so per node and per bucket): the keys with checks in flight. */
const loansByLimit = new WeakMap<RateLimit, Map<string, KeyLoans>>();

/**
 * Runs a token check for `key` (the caller's IP) at the price of one failed-auth point, taken
 * BEFORE the check and refunded when the token was not wrong: parallel guesses are limited
 * exactly like serial ones, since each holds its point while it is checked.
 *
 * A right token must not be refused because others from the same address are being checked
 * at the same moment (200 visitors behind one NAT resuming at once when a node drains): when
 * the bucket is empty but this node still has checks of that key in flight, their points are
 * only on loan, so the check waits (bounded in time and in number) for one to come back and
 * tries again. Right tokens then flow through as their points are refunded; wrong ones keep
 * theirs, drain the bucket, and everyone waiting is told RATE_LIMITED once nothing is on loan.
 */
export async function checkTokenAtCost<T>(limit: RateLimit, key: string, check: () => Promise<T>): Promise<T> {
  const loans = await takePoint(limit, key);
  let wrong = false;
  try {
    return await check();
  } catch (error) {
    wrong = error instanceof AppError && error.code === 'UNAUTHORIZED';
    throw error;
  } finally {
    if (!wrong) await limit.refund(key);
    loans.onLoan--;
    loans.settled++;
    if (!wrong) loans.waiters.shift()?.();
    else if (loans.onLoan === 0) for (const wake of loans.waiters.splice(0)) wake();
    forgetIfIdle(limit, key, loans);
  }
}

async function takePoint(limit: RateLimit, key: string): Promise<KeyLoans> {
  const deadline = Date.now() + MAX_WAIT_FOR_POINT_MS;
  for (;;) {
    const before = loansOf(limit, key);
    const settledBefore = before.settled;
    try {
      await limit.consume(key);
      const loans = loansOf(limit, key);
      loans.onLoan++;
      return loans;
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'RATE_LIMITED')) throw error;
      // The limiter counts a refused point too; give it back, so the bucket holds exactly the
      // points that are spent or on loan and a refunded one can be taken by whoever waits.
      await limit.refund(key);
      const loans = loansOf(limit, key);
      const remaining = deadline - Date.now();
      // A point came back while `consume` was deciding: try again at once.
      if (before.settled !== settledBefore && remaining > 0) continue;
      if (loans.onLoan === 0 || loans.waiters.length >= MAX_WAITERS_PER_KEY || remaining <= 0) {
        forgetIfIdle(limit, key, loans);
        throw error;
      }
      if (!(await pointReturned(loans, remaining))) {
        forgetIfIdle(limit, key, loans);
        throw error;
      }
    }
  }
}

/** Resolves true when woken by a settled loan, false when `ms` passed first. */
function pointReturned(loans: KeyLoans, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      const index = loans.waiters.indexOf(wake);
      if (index >= 0) loans.waiters.splice(index, 1);
      resolve(false);
    }, ms);
    loans.waiters.push(wake);
  });
}

function loansOf(limit: RateLimit, key: string): KeyLoans {
  let byKey = loansByLimit.get(limit);
  if (!byKey) loansByLimit.set(limit, (byKey = new Map()));
  let loans = byKey.get(key);
  if (!loans) byKey.set(key, (loans = { onLoan: 0, settled: 0, waiters: [] }));
  return loans;
}

function forgetIfIdle(limit: RateLimit, key: string, loans: KeyLoans): void {
  const byKey = loansByLimit.get(limit);
  if (loans.onLoan === 0 && loans.waiters.length === 0 && byKey?.get(key) === loans) byKey.delete(key);
}
