import type { Transaction } from '../../db/client.js';
import { agentsRepository } from '../../repositories/agents.js';
import { ticketsRepository } from '../../repositories/tickets.js';

/*
 * `agents.open_chats` (PROTOCOL §8 `openChats`: an agent's assigned chat sessions still open) is
 * kept by the transactions that change it, so routing reads a column instead of counting every
 * open session on every pass. Three kinds of change, each applied in its own transaction:
 *
 * - a chat of an assigned ticket opens (a continuation, under the ticket's FOR UPDATE lock):
 *   `agentsRepository.addOpenChats`, +1 for the ticket's assignee;
 * - a ticket changes hands (every assignment, under the ticket's FOR UPDATE lock):
 *   `agentsRepository.moveOpenChats` moves its active sessions, counted then;
 * - a chat ends (`countEndedChats` below): −1 for whoever holds its ticket, read under FOR KEY
 *   SHARE. A chat that ends while its ticket changes hands is thus counted once: either the end
 *   commits first (the assignment, waiting for the ticket, then counts one session fewer) or the
 *   assignment does (the end, waiting, then takes it from the new assignee).
 *
 * Lock order: agents rows after the transaction's ticket rows (and in id order), the event log's
 * position last, as every writer does, so none of these can deadlock with another or with a
 * routing pass. The periodic routing sweep recounts from the sessions and corrects any drift.
 */

/**
 * After chats ended (one ticket id per chat), late in the transaction that ended them: each
 * takes one open chat from its ticket's assignee.
 */
export async function countEndedChats(tx: Transaction, ticketIds: string[]): Promise<void> {
  if (ticketIds.length === 0) return;
  const assignees = await ticketsRepository.lockAssignees(tx, [...new Set(ticketIds)]);
  const deltas = new Map<string, number>();
  for (const ticketId of ticketIds) {
    const assigneeId = assignees.get(ticketId);
    if (assigneeId) deltas.set(assigneeId, (deltas.get(assigneeId) ?? 0) - 1);
  }
  await agentsRepository.addOpenChats(tx, deltas);
}
