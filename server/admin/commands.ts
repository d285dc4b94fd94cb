import { parseArgs } from 'node:util';
import { agentCreateInput } from '../../shared/agentSchemas.js';
import type { Database } from '../db/client.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import { rotateBootstrapAdminToken } from '../services/agents/bootstrapAdmin.js';
import { createAgent, findActiveAdmin, listAgents, revokeAgentByOperator } from '../services/agents/manageAgents.js';
import { eraseCustomer } from '../services/customers/eraseCustomer.js';
import { exportCustomer } from '../services/customers/exportCustomer.js';
import type { ClusterReach } from './clusterReach.js';

/** What a command may use: the nodes' database (migrated), a way to tell the running nodes, and the terminal. */
export interface AdminContext {
  db: Database;
  logger: Logger;
  metrics: NodeMetrics;
  /** Joins the nodes' fan-out (Redis) on first use, for commands whose effects they must hear. */
  reach(): Promise<ClusterReach>;
  /** Whether ADMIN_TOKEN is set in this environment (nodes started with it hand it back to the bootstrap admin). */
  adminTokenSet: boolean;
  print(line: string): void;
  warn(line: string): void;
}

export interface AdminCommand {
  usage: string;
  summary: string;
  run(args: string[], ctx: AdminContext): Promise<void>;
}

/** A mistake in how the command was called: its usage is shown, the exit code is 64 (EX_USAGE). */
export class UsageError extends Error {}

/** `--name value` options (strings only) and a fixed number of positional arguments. */
function parse(
  args: string[],
  options: Record<string, { type: 'string' }>,
  positionals = 0,
): { values: Record<string, string | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) throw new UsageError(`expected ${positionals} argument(s)`);
  return { values: parsed.values as Record<string, string | undefined>, positionals: parsed.positionals };
}

export const adminCommands: Record<string, AdminCommand> = {
  'agents create': {
    usage: 'agents create --name <name> --email <email> [--role agent|admin]',
    summary: 'creates an agent and prints its API token (shown once)',
    async run(args, ctx) {
      const { values } = parse(args, { name: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' } });
      const input = agentCreateInput.safeParse(values);
      if (!input.success) {
        throw new UsageError(input.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
      }
      const { agent, token } = await createAgent(input.data, ctx);
      ctx.print(`Created ${agent.role} ${agent.name} <${agent.email}>, id ${agent.id}.`);
      ctx.print('API token (shown once, store it now):');
      ctx.print(token);
    },
  },
  'agents list': {
    usage: 'agents list',
    summary: 'lists every agent, revoked ones included',
    async run(args, ctx) {
      parse(args, {});
      for (const agent of await listAgents(ctx)) {
        ctx.print([agent.id, agent.role.padEnd(5), agent.revokedAt ? 'revoked' : 'active ', agent.email, agent.name].join('  '));
      }
    },
  },
  'agents revoke': {
    usage: 'agents revoke <id or e-mail>',
    summary: 'revokes an agent’s token for good; its open event streams end within 2 s on every node',
    async run(args, ctx) {
      const { positionals } = parse(args, {}, 1);
      const { bus } = await ctx.reach();
      const agent = await revokeAgentByOperator(positionals[0]!, { ...ctx, bus });
      ctx.print(`Revoked ${agent.name} <${agent.email}>, id ${agent.id}.`);
    },
  },
  'admin rotate-token': {
    usage: 'admin rotate-token',
    summary: 'gives the bootstrap admin (admin@atende.local) a new token; the old one stops working',
    async run(args, ctx) {
      parse(args, {});
      const token = await rotateBootstrapAdminToken(ctx);
      ctx.print('New token of admin@atende.local (shown once, store it now):');
      ctx.print(token);
      if (ctx.adminTokenSet) {
        ctx.warn('ADMIN_TOKEN is set here: a node started with another ADMIN_TOKEN gives it back to the bootstrap admin. Set ADMIN_TOKEN to the new token, or unset it.');
      }
    },
  },
  'customers export': {
    usage: 'customers export <customer id>',
    summary: 'prints, as JSON, every record held about a customer (LGPD; agents’ notes left out)',
    async run(args, ctx) {
      const { positionals } = parse(args, {}, 1);
      ctx.print(JSON.stringify(await exportCustomer(customerId(positionals[0]!), ctx), null, 2));
    },
  },
  'customers erase': {
    usage: 'customers erase <customer id> --by <admin e-mail or id>',
    summary: 'erases a customer’s personal data everywhere (LGPD), audited as done by that admin',
    async run(args, ctx) {
      const { values, positionals } = parse(args, { by: { type: 'string' } }, 1);
      if (!values.by) throw new UsageError('--by: name the admin who answers for the erasure');
      const admin = await findActiveAdmin(values.by, ctx);
      const reach = await ctx.reach();
      const erased = await eraseCustomer(customerId(positionals[0]!), admin, { ...ctx, bus: reach.bus, customers: reach.customers });
      ctx.print(`Erased customer ${erased.id} at ${erased.erasedAt}.`);
      if (!reach.live) ctx.warn('REDIS_URL is unset: its open chats end for the visitor at their next message, not at once.');
    },
  },
  migrate: {
    usage: 'migrate',
    summary: 'applies pending database migrations (nodes also do at start)',
    async run(args, ctx) {
      parse(args, {});
      // The database was migrated when it was opened (every command does).
      ctx.print('Migrations applied.');
    },
  },
};

function customerId(text: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) throw new UsageError(`not a customer id: ${text}`);
  return text.toLowerCase();
}

/** The command named by the first words of `argv`, and the arguments after them. */
export function findCommand(argv: string[]): { command: AdminCommand; args: string[] } | undefined {
  for (const words of [2, 1]) {
    const command = adminCommands[argv.slice(0, words).join(' ')];
    if (command) return { command, args: argv.slice(words) };
  }
  return undefined;
}

export function usageText(): string {
  const lines = Object.values(adminCommands).map((command) => `  atende ${command.usage}\n      ${command.summary}`);
  return `Usage (configured by the same environment as a node: DATABASE_URL or DATA_DIR):\n${lines.join('\n')}`;
}

/** An error worth showing the operator as is (not found, invalid): everything else is a failure with a stack. */
export function operatorMessage(error: unknown): string | undefined {
  if (!(error instanceof AppError)) return undefined;
  const fields = error.fields ? ` (${Object.entries(error.fields).map(([field, message]) => `${field}: ${message}`).join('; ')})` : '';
  return `${error.message}${fields}`;
}
