import { eq } from 'drizzle-orm';
import type { Message } from '../../shared/chat.js';
import { serverMsgId } from '../../shared/schemas.js';
import { chatSessions, tickets } from '../db/schema.js';
import type { ServiceContext } from '../services/context.js';
import type { ChatRef } from '../services/chat/chatRef.js';
import { postMessage } from '../services/chat/postMessage.js';
import type { Automations } from './automationsConfig.js';
import { categorizeChat, pickCategory } from './categorize.js';
import { escalateChat } from './escalate.js';
import { createFaqRetriever, mentionsAny } from './faqRetriever.js';

/** Customer messages up to this seq count as "the first messages" for categories. */
const CATEGORY_WINDOW_SEQ = 5;

export interface ChatAutomations {
  /** Called after a customer message is committed and delivered; never delays its ack. */
  afterCustomerMessage(chat: ChatRef, message: Message): void;
  /** Resolves when every automation started so far has finished (used by shutdown and tests). */
  idle(): Promise<void>;
}

/**
 * Categories and the FAQ assistant, run on the node that stored the message, one message at a
 * time per session so answers come in the order the questions did.
 */
export function createChatAutomations(automations: Automations, ctx: ServiceContext): ChatAutomations {
  const assistant = automations.assistant;
  const matchFaq = assistant ? createFaqRetriever(assistant.faq) : undefined;
  const queues = new Map<string, Promise<void>>();

  async function run(chat: ChatRef, message: Message) {
    if (automations.categories.length > 0 && message.seq <= CATEGORY_WINDOW_SEQ) {
      const category = pickCategory(message.body, automations.categories);
      if (category) await categorizeChat(chat, category, ctx);
    }
    if (!assistant || !matchFaq) return;

    const [state] = await ctx.db
      .select({ escalated: tickets.escalated, firstResponseAt: tickets.firstResponseAt, status: chatSessions.status, locale: chatSessions.locale })
      .from(chatSessions)
      .innerJoin(tickets, eq(tickets.id, chatSessions.ticketId))
      .where(eq(chatSessions.id, chat.sessionId));
    // Quiet once people are on it: after an escalation or any agent reply.
    if (!state || state.escalated || state.firstResponseAt || state.status !== 'active') return;

    const handoff = mentionsAny(message.body, assistant.handoffKeywords);
    const { entry, confidence } = matchFaq(message.body);
    if (!handoff && entry && confidence >= assistant.minConfidence) {
      await postMessage(chat, { type: 'bot', name: assistant.botName }, { body: entry.answer, clientMsgId: serverMsgId('bot', message.id) }, ctx);
      return;
    }
    await escalateChat(
      chat,
      { confidence, reason: handoff ? 'handoff_keyword' : 'low_confidence', messageId: message.id, locale: state.locale },
      ctx,
    );
  }

  return {
    afterCustomerMessage(chat, message) {
      const previous = queues.get(chat.sessionId) ?? Promise.resolve();
      const next = previous
        .then(() => run(chat, message))
        .catch((error: unknown) => ctx.logger.error({ err: error, sessionId: chat.sessionId }, 'chat automation failed'))
        .finally(() => {
          if (queues.get(chat.sessionId) === next) queues.delete(chat.sessionId);
        });
      queues.set(chat.sessionId, next);
    },
    async idle() {
      while (queues.size > 0) await Promise.all(queues.values());
    },
  };
}
