import type { MessageCreatedEvent } from '../../shared/events.js';
import { serverMsgId } from '../../shared/schemas.js';
import type { ServiceContext } from '../services/context.js';
import { postMessage } from '../services/chat/postMessage.js';
import { categorizeChat } from '../services/triage/categorizeChat.js';
import { readChatTriage } from '../services/triage/chatTriage.js';
import { escalateChat } from '../services/triage/escalateChat.js';
import type { Automations } from './automationsConfig.js';
import { pickCategory } from './categorize.js';
import { createFaqRetriever, mentionsAny } from './faqRetriever.js';

/** Customer messages up to this seq count as "the first messages" for categories. */
const CATEGORY_WINDOW_SEQ = 5;

export interface ChatAutomations {
  /** Resolves when every automation started so far has finished (used by shutdown and tests). */
  idle(): Promise<void>;
  /** Stops listening; what already started still finishes (await `idle()`). */
  stop(): void;
}

/**
 * Categories and the FAQ assistant: subscribers to `message.created` that call services.
 * Only for customer messages stored on this node, so a cluster acts on each message once;
 * one message at a time per session, so answers come in the order the questions did. The bus
 * delivers on a later tick: the message's ack never waits for them.
 */
export function startChatAutomations(
  automations: Pick<Automations, 'assistant' | 'categories'>,
  ctx: ServiceContext,
): ChatAutomations {
  const assistant = automations.assistant;
  const matchFaq = assistant ? createFaqRetriever(assistant.faq) : undefined;
  const queues = new Map<string, Promise<void>>();

  async function categorize(event: MessageCreatedEvent) {
    if (automations.categories.length === 0 || event.message.seq > CATEGORY_WINDOW_SEQ) return;
    const category = pickCategory(event.message.body, automations.categories);
    if (category) await categorizeChat(event, category, ctx);
  }

  async function answer(event: MessageCreatedEvent) {
    if (!assistant || !matchFaq) return;
    const triage = await readChatTriage(event.sessionId, ctx);
    // Quiet once people are on it: after an escalation or any agent reply.
    if (!triage || triage.staffed || !triage.active) return;

    const { message } = event;
    const handoff = mentionsAny(message.body, assistant.handoffKeywords);
    const { entry, confidence } = matchFaq(message.body);
    if (!handoff && entry && confidence >= assistant.minConfidence) {
      const reply = { body: entry.answer, clientMsgId: serverMsgId('bot', message.id) };
      await postMessage(triage.chat, { type: 'bot', name: assistant.botName }, reply, ctx);
      return;
    }
    const reason = handoff ? 'handoff_keyword' : 'low_confidence';
    await escalateChat(triage.chat, { confidence, reason, messageId: message.id, locale: triage.locale }, ctx);
  }

  function enqueue(event: MessageCreatedEvent) {
    const { sessionId } = event;
    const next = (queues.get(sessionId) ?? Promise.resolve())
      .then(async () => {
        await categorize(event);
        await answer(event);
      })
      .catch((error: unknown) => ctx.logger.error({ err: error, sessionId }, 'chat automation failed'))
      .finally(() => {
        if (queues.get(sessionId) === next) queues.delete(sessionId);
      });
    queues.set(sessionId, next);
  }

  const nothingToDo = !assistant && automations.categories.length === 0;
  const unsubscribe = nothingToDo
    ? () => {}
    : ctx.bus.subscribe((event, meta) => {
        // Remote events are acted on by the node that stored the message.
        if (meta.local && event.type === 'message.created' && event.message.senderType === 'client') enqueue(event);
      });

  return {
    async idle() {
      while (queues.size > 0) await Promise.all(queues.values());
    },
    stop: () => unsubscribe(),
  };
}
