import { chatMessagesInput } from '../../../shared/agentSchemas.js';
import { listSessionMessages } from '../../services/chat/listMessages.js';
import { agentProcedure, router } from '../init.js';

/** `chats.*` (PROTOCOL §4). */
export const chatsRouter = router({
  messages: agentProcedure.input(chatMessagesInput).query(({ input, ctx }) => listSessionMessages(input, ctx.services)),
});
