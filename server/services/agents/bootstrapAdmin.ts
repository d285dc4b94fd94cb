import type { ServiceContext } from '../context.js';
import { agentsRepository } from '../../repositories/agents.js';
import { hashAgentToken, issueAgentToken } from './agentTokens.js';

export const BOOTSTRAP_ADMIN_EMAIL = 'admin@atende.local';

export type BootstrapOutcome =
  | { kind: 'existing' }
  | { kind: 'created' }
  | { kind: 'rotated' }
  | { kind: 'revoked' }
  | { kind: 'generated'; token: string }
  | { kind: 'none' };

/**
 * Makes sure someone can administer the node. With `ADMIN_TOKEN`, an admin agent holds that
 * token (created, or the bootstrap admin's token replaced when the variable changed). Without
 * it, a database with no agent at all gets an admin whose token is generated and returned
 * for the caller to show once. Nodes starting at once take turns on an advisory lock.
 */
export async function ensureBootstrapAdmin(
  adminToken: string | undefined,
  ctx: ServiceContext,
): Promise<BootstrapOutcome> {
  const outcome = await settleBootstrapAdmin(adminToken, ctx);
  switch (outcome.kind) {
    case 'generated':
      // The one time this token is ever shown; only its hash is stored.
      ctx.logger.warn(
        `No agent exists and ADMIN_TOKEN is unset: created the admin agent ${BOOTSTRAP_ADMIN_EMAIL} ` +
          `with API token ${outcome.token} — store it now, it is not shown again`,
      );
      break;
    case 'revoked':
      ctx.logger.warn('ADMIN_TOKEN belongs to a revoked agent; it stays revoked');
      break;
    case 'created':
    case 'rotated':
      ctx.logger.info({ outcome: outcome.kind }, 'bootstrap admin agent holds ADMIN_TOKEN');
      break;
  }
  return outcome;
}

async function settleBootstrapAdmin(adminToken: string | undefined, ctx: ServiceContext): Promise<BootstrapOutcome> {
  return ctx.db.transaction(async (tx) => {
    await agentsRepository.lockBootstrap(tx);
    if (!adminToken) {
      if ((await agentsRepository.countAll(tx)) > 0) return { kind: 'none' };
      const { token, hash } = issueAgentToken();
      await agentsRepository.insert(tx, { name: 'Admin', email: BOOTSTRAP_ADMIN_EMAIL, role: 'admin', tokenHash: hash });
      return { kind: 'generated', token };
    }

    const hash = hashAgentToken(adminToken);
    const holder = await agentsRepository.findByTokenHash(tx, hash);
    // A revoked ADMIN_TOKEN stays revoked: an operator revoked it for a reason.
    if (holder) return { kind: holder.revokedAt ? 'revoked' : 'existing' };

    const bootstrap = await agentsRepository.findByEmail(tx, BOOTSTRAP_ADMIN_EMAIL);
    if (bootstrap) {
      await agentsRepository.update(tx, bootstrap.id, { tokenHash: hash, role: 'admin', revokedAt: null });
      return { kind: 'rotated' };
    }
    await agentsRepository.insert(tx, { name: 'Admin', email: BOOTSTRAP_ADMIN_EMAIL, role: 'admin', tokenHash: hash });
    return { kind: 'created' };
  });
}

/**
 * `atende admin rotate-token`: the bootstrap admin gets a new token (created, or un-revoked, if
 * need be); the old one stops working at once. Returned here, shown once, stored as its hash.
 */
export async function rotateBootstrapAdminToken(ctx: Pick<ServiceContext, 'db' | 'logger'>): Promise<string> {
  const { token, hash } = issueAgentToken();
  await ctx.db.transaction(async (tx) => {
    await agentsRepository.lockBootstrap(tx);
    const bootstrap = await agentsRepository.findByEmail(tx, BOOTSTRAP_ADMIN_EMAIL);
    if (bootstrap) await agentsRepository.update(tx, bootstrap.id, { tokenHash: hash, role: 'admin', revokedAt: null });
    else await agentsRepository.insert(tx, { name: 'Admin', email: BOOTSTRAP_ADMIN_EMAIL, role: 'admin', tokenHash: hash });
  });
  ctx.logger.info('bootstrap admin token rotated');
  return token;
}
