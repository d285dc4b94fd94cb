import { acceptSuggestionInput, clientIdInput, clientMergeInput, clientSearchInput } from '../../../shared/agentSchemas.js';
import { acceptSuggestion } from '../../services/customers/acceptSuggestion.js';
import { mergeCustomers } from '../../services/customers/mergeCustomers.js';
import {
  findCustomers,
  findPossibleDuplicates,
  getCustomer,
  getCustomerHistory,
} from '../../services/customers/readCustomers.js';
import { eraseCustomer } from '../../services/customers/eraseCustomer.js';
import { exportCustomer } from '../../services/customers/exportCustomer.js';
import { adminProcedure, agentProcedure, router } from '../init.js';

/**
 * `clients.*` (PROTOCOL §4, §7, §9): customers, their history, possible duplicates, merging,
 * contact suggestions, and (admins) the LGPD export and erasure.
 */
export const clientsRouter = router({
  get: agentProcedure.input(clientIdInput).query(({ input, ctx }) => getCustomer(input.id, ctx.services)),

  search: agentProcedure.input(clientSearchInput).query(({ input, ctx }) => findCustomers(input.q, ctx.services)),

  history: agentProcedure.input(clientIdInput).query(({ input, ctx }) => getCustomerHistory(input.id, ctx.services)),

  duplicates: agentProcedure
    .input(clientIdInput)
    .query(({ input, ctx }) => findPossibleDuplicates(input.id, ctx.services)),

  merge: agentProcedure
    .input(clientMergeInput)
    .mutation(({ input, ctx }) => mergeCustomers(input, ctx.agent, ctx.services)),

  export: adminProcedure.input(clientIdInput).query(({ input, ctx }) => exportCustomer(input.id, ctx.services)),

  erase: adminProcedure.input(clientIdInput).mutation(({ input, ctx }) => eraseCustomer(input.id, ctx.agent, ctx.services)),

  acceptSuggestion: agentProcedure
    .input(acceptSuggestionInput)
    .mutation(({ input, ctx }) => acceptSuggestion(input, ctx.agent, ctx.services)),
});
