import type { Ticket } from '../../../shared/agentApi.js';
import type { TicketAssignInput } from '../../../shared/agentSchemas.js';
import type { Transaction } from '../../db/client.js';
import type { AgentRow, TicketRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { agentsRepository } from '../../repositories/agents.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact, type TicketFacts } from '../ticketFacts.js';
import { toTicket } from './ticketViews.js';

/** An agent as an assignment names it. */
export type AgentRef = Pick<AgentRow, 'id' | 'name'>;

/** An assignment that happened: the new assignee (null: unassigned) and who held it before. */
export interface Assignment {
  ticket: TicketRow;
  assignee: AgentRef | null;
  previousAssigneeId: string | null;
  /** The ticket's open chat sessions, when the assigner already knows them (routing's queue). */
  sessionIds?: string[];
}

/** One ticket's assignment as asked: the ticket (locked by the caller) and its new assignee. */
export interface AssignmentRequest {
  current: TicketRow;
  /** null: unassign. */
  assigneeId: string | null;
  /** The ticket's open chat sessions, when the assigner already knows them (routing's queue). */
  sessionIds?: string[];
}

/**
 * The one path of every assignment (`tickets.assign`, `tickets.update`'s `assigneeId`, and
 * routing when it comes), inside the caller's ticket transaction with `current` locked: checks
 * that the assignee is an active agent, sets it and records the `ticket.assigned` fact.
 * `actorId`: the agent who assigns; none for the system. Undefined when the ticket already
 * had this assignee: no row, no event.
 */
export async function assignInTransaction(
  tx: Transaction,
  facts: TicketFacts,
  current: TicketRow,
  assigneeId: string | null,
  actorId?: string,
): Promise<Assignment | undefined> {
  const [assignment] = await assignManyInTransaction(tx, facts, [{ current, assigneeId }], { actorId });
  return assignment;
}

/**
 * `assignInTransaction` for many tickets at once (each once; a routing pass gives a burst of
 * chats): the same checks, rows and facts, in the order asked, in a few statements whatever
 * their number — the assignees read in one (unless `known`: routing read them in this
 * transaction as online and unrevoked); then, sent together, the tickets updated in one, their
 * open chats moved between agents in one, the audit rows written in one. Tickets that already
 * have the assignee asked are left out (no row, no event). Any assignee not an active agent
 * fails the whole batch.
 */
export async function assignManyInTransaction(
  tx: Transaction,
  facts: TicketFacts,
  requests: AssignmentRequest[],
  by: { actorId?: string; known?: ReadonlyMap<string, AgentRef> } = {},
): Promise<Assignment[]> {
  const { actorId } = by;
  const changes = requests.filter((request) => request.assigneeId !== request.current.assigneeId);
  if (changes.length === 0) return [];
  const assignees = by.known ?? (await activeAgents(tx, changes));
  const at = new Date();
  const recorded = changes.map(({ current, assigneeId }) =>
    ticketFact.assigned({
      type: 'ticket.assigned',
      ticketId: current.id,
      ticketNumber: current.number,
      at: at.toISOString(),
      assigneeId,
      previousAssigneeId: current.assigneeId,
      ...(actorId ? { actorId } : {}),
    }),
  );
  // Sent together (one round trip): the tickets change hands, their open chats with them
  // (agents.open_chats), and the audit rows are written. `at` is the tickets' updated_at.
  const [updated] = await Promise.all([
    ticketsRepository.setAssignees(tx, new Map(changes.map((change) => [change.current.id, change.assigneeId])), at),
    agentsRepository.moveOpenChats(
      tx,
      changes.map((change) => ({ ticketId: change.current.id, from: change.current.assigneeId, to: change.assigneeId })),
    ),
    facts.record(recorded),
  ]);
  const byId = new Map(updated.map((ticket) => [ticket.id, ticket]));
  const assignments = changes.map(({ current, assigneeId, sessionIds }): Assignment => {
    const ticket = byId.get(current.id);
    if (!ticket) throw new Error(`ticket ${current.id} vanished during its assignment`);
    const assignee = assigneeId === null ? null : assignees.get(assigneeId);
    if (assignee === undefined) throw new Error(`assignee ${assigneeId} of ticket ${current.id} unknown to its assigner`);
    return { ticket, assignee, previousAssigneeId: current.assigneeId, ...(sessionIds ? { sessionIds } : {}) };
  });
  return assignments;
}

/** The agents these changes assign to, by id; throws unless every one is an active agent. */
async function activeAgents(tx: Transaction, changes: AssignmentRequest[]): Promise<Map<string, AgentRef>> {
  const ids = [...new Set(changes.flatMap((change) => (change.assigneeId === null ? [] : [change.assigneeId])))];
  const found = new Map((await agentsRepository.findManyById(tx, ids)).map((agent) => [agent.id, agent]));
  for (const id of ids) {
    const agent = found.get(id);
    if (!agent || agent.revokedAt) {
      throw new AppError('VALIDATION', 'Invalid input', { fields: { assigneeId: 'No such active agent' } });
    }
  }
  return found;
}

/**
 * After commit: the customers of the ticket's open chats see who joined. Unassigning tells
 * them nothing.
 */
export async function announceAssignment(assignment: Assignment, ctx: ServiceContext): Promise<void> {
  const { assignee, ticket } = assignment;
  if (!assignee) return;
  const sessionIds = assignment.sessionIds ?? (await chatSessionsRepository.listActiveIdsOfTicket(ctx.db, ticket.id));
  for (const sessionId of sessionIds) {
    ctx.customers.agentJoined(sessionId, { agentName: assignee.name });
  }
}

/** `tickets.assign`: sets or clears the ticket's assignee, as `agent`. */
export async function assignTicket(input: TicketAssignInput, agent: AgentRow, ctx: ServiceContext): Promise<Ticket> {
  const { assignment, ticket } = await inTicketTransaction(ctx, async (tx, facts) => {
    const current = await ticketsRepository.lock(tx, input.id);
    if (!current) throw new AppError('NOT_FOUND', 'No such ticket');
    const assignment = await assignInTransaction(tx, facts, current, input.assigneeId, agent.id);
    return { assignment, ticket: await ticketsRepository.findWithClient(tx, { id: input.id }) };
  });
  if (!ticket) throw new Error(`ticket ${input.id} vanished during its assignment`);
  if (assignment) await announceAssignment(assignment, ctx);
  return toTicket(ticket);
}
