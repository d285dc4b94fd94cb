import { AppError } from '../errors.js';
import type { RateLimits } from './rateLimits.js';

/** A wrong token costs the caller's IP one of its failed-auth points. */
export async function countFailedAuth<T>(limits: RateLimits, ip: string, attempt: Promise<T>): Promise<T> {
  try {
    return await attempt;
  } catch (error) {
    if (error instanceof AppError && error.code === 'UNAUTHORIZED') await limits.failedAuth.consume(ip).catch(() => {});
    throw error;
  }
}
