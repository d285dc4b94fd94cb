import { createHash, randomBytes } from 'node:crypto';

/** Lets a leaked token be recognised by secret scanners. */
export const AGENT_TOKEN_PREFIX = 'atd_';
const TOKEN_BYTES = 32; // 256 bits from the CSPRNG
const TOKEN_MAX_LENGTH = 512;

/** A new API token and the only thing stored about it: its SHA-256. */
export function issueAgentToken(): { token: string; hash: string } {
  const token = AGENT_TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashAgentToken(token) };
}

/**
 * SHA-256 hex of a presented token. A fast hash is enough: the token carries 256 random bits,
 * so there is nothing to brute-force; an operator's ADMIN_TOKEN is hashed the same way.
 */
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cheap sanity check before hashing what a request presents. */
export function isPlausibleToken(token: string): boolean {
  return token.length > 0 && token.length <= TOKEN_MAX_LENGTH;
}
