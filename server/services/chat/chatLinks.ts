import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import { serverSecretsRepository } from '../../repositories/serverSecrets.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a link is signed over: its session, and that session's resume-token hash (rotated = revoked). */
export interface LinkedSession {
  id: string;
  resumeTokenHash: string;
}

/**
 * The `/c/<token>` links of e-mails (PROTOCOL §9). A token is `<sessionId>.<expiry>.<signature>`:
 * HMAC-SHA256, with a key the cluster shares, of the session, the expiry and the session's
 * resume-token hash. It needs no row of its own; it stops working when it expires or when the
 * session's resume token is rotated (erasure). Two dots tell it from a resume token (one).
 */
export interface ChatLinks {
  /** A token for the session, valid for the TTL from now. */
  issue(session: LinkedSession): string;
  /** The session a well-formed, unexpired token names, or null; `verify` then checks the signature. */
  parse(token: string): { sessionId: string; expiresAt: number } | null;
  verify(token: string, session: LinkedSession): boolean;
}

export function isLinkToken(token: string): boolean {
  return token.split('.').length === 3;
}

/** The link signer of a node: its key is read from (or, by the first node, stored in) the database. */
export async function loadChatLinks(db: Executor, options: { ttlMs: number }): Promise<ChatLinks> {
  const key = Buffer.from(await serverSecretsRepository.getOrCreate(db, 'chat_links', randomBytes(32).toString('base64url')), 'base64url');
  const sign = (sessionId: string, expiry: string, resumeTokenHash: string) =>
    createHmac('sha256', key).update(`${sessionId}.${expiry}.${resumeTokenHash}`).digest();

  return {
    issue(session) {
      const expiry = (Date.now() + options.ttlMs).toString(36);
      return `${session.id}.${expiry}.${sign(session.id, expiry, session.resumeTokenHash).toString('base64url')}`;
    },
    parse(token) {
      const [sessionId, expiry, signature] = token.split('.');
      if (!sessionId || !UUID.test(sessionId) || !expiry || !/^[0-9a-z]{1,12}$/.test(expiry) || !signature) return null;
      const expiresAt = Number.parseInt(expiry, 36);
      if (!(expiresAt > Date.now())) return null;
      return { sessionId, expiresAt };
    },
    verify(token, session) {
      const [sessionId, expiry, signature] = token.split('.');
      if (sessionId !== session.id || !expiry || !signature) return false;
      const presented = Buffer.from(signature, 'base64url');
      const expected = sign(session.id, expiry, session.resumeTokenHash);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    },
  };
}

/** The absolute URL that opens the conversation of a link token in the browser. */
export function linkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/c/${token}`;
}
