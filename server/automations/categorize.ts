import { and, eq } from 'drizzle-orm';
import { CHAT_CATEGORY } from '../../shared/tickets.js';
import { tickets } from '../db/schema.js';
import { ticketEventsRepository } from '../repositories/ticketEvents.js';
import type { ServiceContext } from '../services/context.js';
import type { ChatRef } from '../services/chat/chatRef.js';
import type { Automations } from './automationsConfig.js';
import { mentionsAny } from './faqRetriever.js';

/** The first category (in the file's order) with a keyword in the text, accents and case ignored. */
export function pickCategory(text: string, categories: Automations['categories']): string | undefined {
  return categories.find((rule) => mentionsAny(text, rule.keywords))?.category;
}

/** Replaces the default `Chat Support` category once; a category set by anyone else is kept. */
export async function categorizeChat(chat: ChatRef, category: string, ctx: ServiceContext): Promise<boolean> {
  const changed = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(tickets)
      .set({ category })
      .where(and(eq(tickets.id, chat.ticketId), eq(tickets.category, CHAT_CATEGORY)))
      .returning({ updatedAt: tickets.updatedAt });
    if (!row) return undefined;
    const changes = { category: { from: CHAT_CATEGORY, to: category } };
    await ticketEventsRepository.append(tx, {
      ticketId: chat.ticketId,
      actorType: 'system',
      type: 'ticket.updated',
      data: { changes, cause: 'categories' },
    });
    return { at: row.updatedAt.toISOString(), changes };
  });
  if (!changed) return false;
  ctx.bus.publish({ type: 'ticket.updated', ticketId: chat.ticketId, ticketNumber: chat.ticketNumber, at: changed.at, changes: changed.changes });
  return true;
}
