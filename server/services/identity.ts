import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

/** The identity hash a host site computes for a signed-in user: hex HMAC-SHA256 of the e-mail. */
export function identityHash(email: string, secret: string): string {
  return createHmac('sha256', secret).update(email.trim().toLowerCase()).digest('hex');
}

/**
 * Whether the host site vouched for this e-mail. No hash, or no IDENTITY_SECRET on this node:
 * an ordinary, unverified chat. A hash that does not match is refused: someone is claiming
 * to be a signed-in customer they are not.
 */
export function verifyIdentity(email: string, presented: string | undefined, secret: string | undefined): boolean {
  if (!presented || !secret) return false;
  const expected = Buffer.from(identityHash(email, secret), 'hex');
  const given = Buffer.from(presented.toLowerCase(), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('UNAUTHORIZED', 'The identity hash does not match this e-mail');
  }
  return true;
}
