import type { CannedResponse } from '../../../shared/agentApi.js';
import type { CannedResponseCreateInput, CannedResponseUpdateInput } from '../../../shared/agentSchemas.js';
import type { AgentRow, CannedResponseRow } from '../../db/schema.js';
import { AppError, isUniqueViolation } from '../../errors.js';
import { cannedResponsesRepository } from '../../repositories/cannedResponses.js';
import type { ServiceContext } from '../context.js';

/** Every canned response of the team, by shortcut. */
export async function listCannedResponses(ctx: ServiceContext): Promise<CannedResponse[]> {
  return (await cannedResponsesRepository.list(ctx.db)).map(toCannedResponse);
}

/** Any agent may create one; its variables were checked by the input schema (at save, not at send). */
export async function createCannedResponse(
  input: CannedResponseCreateInput,
  agent: AgentRow,
  ctx: ServiceContext,
): Promise<CannedResponse> {
  const row = await refuseTakenShortcut(input.shortcut, () =>
    cannedResponsesRepository.insert(ctx.db, { ...input, createdBy: agent.id, updatedBy: agent.id }),
  );
  ctx.logger.info({ cannedResponseId: row.id, shortcut: row.shortcut }, 'canned response created');
  return toCannedResponse(row);
}

/** Any agent may edit any of them: the fields given change, the others stay. */
export async function updateCannedResponse(
  input: CannedResponseUpdateInput,
  agent: AgentRow,
  ctx: ServiceContext,
): Promise<CannedResponse> {
  const { id, ...changes } = input;
  const row = await refuseTakenShortcut(changes.shortcut, () =>
    cannedResponsesRepository.update(ctx.db, id, { ...changes, updatedBy: agent.id }),
  );
  if (!row) throw new AppError('NOT_FOUND', 'No such canned response');
  ctx.logger.info({ cannedResponseId: row.id, shortcut: row.shortcut }, 'canned response updated');
  return toCannedResponse(row);
}

/** Any agent may delete any of them; answers the deleted one. Replies already sent keep their text. */
export async function deleteCannedResponse(id: string, agent: AgentRow, ctx: ServiceContext): Promise<CannedResponse> {
  const row = await cannedResponsesRepository.delete(ctx.db, id);
  if (!row) throw new AppError('NOT_FOUND', 'No such canned response');
  ctx.logger.info({ cannedResponseId: row.id, shortcut: row.shortcut, by: agent.id }, 'canned response deleted');
  return toCannedResponse(row);
}

/** A canned response by id, for a reply that uses it; NOT_FOUND once deleted. */
export async function getCannedResponse(id: string, ctx: ServiceContext): Promise<CannedResponseRow> {
  const row = await cannedResponsesRepository.findById(ctx.db, id);
  if (!row) throw new AppError('NOT_FOUND', 'No such canned response', { fields: { cannedResponseId: 'Not found' } });
  return row;
}

/** The unique index decides, so two agents saving one shortcut at once get one CONFLICT, not two rows. */
async function refuseTakenShortcut<T>(shortcut: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('CONFLICT', `The shortcut "${shortcut}" is already taken`, {
        fields: { shortcut: 'Already in use' },
        cause: error,
      });
    }
    throw error;
  }
}

export function toCannedResponse(row: CannedResponseRow): CannedResponse {
  return { id: row.id, shortcut: row.shortcut, title: row.title, body: row.body };
}
