import { acceptSuggestionInput, clientIdInput, clientMergeInput, clientSearchInput } from '../../../shared/agentSchemas.js';
import { acceptSuggestion } from '../../services/clients/acceptSuggestion.js';
import { mergeClients } from '../../services/clients/mergeClients.js';
import {
  findClients,
  findPossibleDuplicates,
  getClient,
  getClientHistory,
} from '../../services/clients/readClients.js';
import { agentProcedure, router } from '../init.js';

/** `clients.*` (PROTOCOL §4, §7): customers, their history, possible duplicates, merging, contact suggestions. */
export const clientsRouter = router({
  get: agentProcedure.input(clientIdInput).query(({ input, ctx }) => getClient(input.id, ctx.services)),

  search: agentProcedure.input(clientSearchInput).query(({ input, ctx }) => findClients(input.q, ctx.services)),

  history: agentProcedure.input(clientIdInput).query(({ input, ctx }) => getClientHistory(input.id, ctx.services)),

  duplicates: agentProcedure
    .input(clientIdInput)
    .query(({ input, ctx }) => findPossibleDuplicates(input.id, ctx.services)),

  merge: agentProcedure
    .input(clientMergeInput)
    .mutation(({ input, ctx }) => mergeClients(input, ctx.agent, ctx.services)),

  acceptSuggestion: agentProcedure
    .input(acceptSuggestionInput)
    .mutation(({ input, ctx }) => acceptSuggestion(input, ctx.agent, ctx.services)),
});
