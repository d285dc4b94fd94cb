import type { TicketPage } from '../../../shared/agentApi.js';
import type { TicketListInput } from '../../../shared/agentSchemas.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { ticketSearchOf } from '../searchTerms.js';
import { toTicketSummary } from './ticketViews.js';

/**
 * One page of tickets, newest first; `nextCursor` continues strictly below the last one shown.
 * Unread counts and the `me` and `unread` filters are the caller's (`reader`).
 */
export async function listTickets(input: TicketListInput, reader: AgentRow, ctx: ServiceContext): Promise<TicketPage> {
  const rows = await ticketsRepository.listWithClient(ctx.db, {
    source: input.source,
    status: input.status,
    clientId: input.clientId,
    assigneeId: input.assigneeId === 'me' ? reader.id : input.assigneeId === 'none' ? null : input.assigneeId,
    readerId: reader.id,
    unread: input.unread,
    search: input.q ? ticketSearchOf(input.q) : undefined,
    beforeNumber: input.cursor ? decodeCursor(input.cursor) : undefined,
    // One more than asked tells whether another page exists without counting.
    limit: input.limit + 1,
  });
  const items = rows.slice(0, input.limit).map((row) => ({ ...toTicketSummary(row), unreadCount: row.unreadCount }));
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(last.number) : null };
}

/** Opaque to clients, so the keyset behind it can change without breaking them. */
export function encodeCursor(beforeNumber: number): string {
  return Buffer.from(JSON.stringify({ v: 1, n: beforeNumber })).toString('base64url');
}

/** The ticket number a cursor continues below; anything else is a VALIDATION error. */
export function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; n?: unknown };
    if (parsed.v === 1 && Number.isSafeInteger(parsed.n) && (parsed.n as number) > 0) return parsed.n as number;
  } catch {
    // falls through to the VALIDATION error below
  }
  throw new AppError('VALIDATION', 'Invalid cursor', { fields: { cursor: 'Pass back a nextCursor as given' } });
}
