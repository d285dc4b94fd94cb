import { chatCloseInput, chatMessagesInput } from '../../../shared/agentSchemas.js';
import { closeChatByAgent } from '../../services/chat/closeChatByAgent.js';
import { listSessionMessages } from '../../services/chat/listMessages.js';
import { agentProcedure, router } from '../init.js';

/** `chats.*` (PROTOCOL §4, plus `close`). */
export const chatsRouter = router({
  messages: agentProcedure.input(chatMessagesInput).query(({ input, ctx }) => listSessionMessages(input, ctx.services)),

  /** Ends a chat as the agent; the customer gets `chat:closed { reason: "agent" }`. Closing twice is harmless. */
  close: agentProcedure
    .input(chatCloseInput)
    .mutation(({ input, ctx }) => closeChatByAgent(input, ctx.agent, ctx.services)),
});
