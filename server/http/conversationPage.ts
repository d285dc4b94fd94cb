import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { Message } from '../../shared/chat.js';
import { resolveLocale, type Locale } from '../../shared/messages.js';
import { toAppError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { authenticateChat, type AuthenticatedChat } from '../services/chat/authenticateChat.js';
import { isLinkToken } from '../services/chat/chatLinks.js';
import { sendCustomerMessage } from '../services/chat/continueChat.js';
import { readTranscript } from '../services/chat/resumeChat.js';
import { escapeHtml } from '../services/mail/mailTemplates.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import { checkTokenAtCost } from '../security/failedAuth.js';
import { parsePayload, type PayloadSchemas } from '../validation.js';

const TOKEN = /^[0-9a-f-]{36}\.[0-9a-z]{1,12}\.[A-Za-z0-9_-]{1,100}$/;

const words = {
  'pt-BR': {
    title: (n: number) => `Atendimento #${n}`,
    invalid: 'Este link não é válido ou expirou.',
    busy: 'Muitas tentativas. Tente de novo em instantes.',
    you: 'Você',
    agent: 'Atendente',
    bot: 'Assistente',
    system: 'Aviso',
    answer: 'Sua resposta',
    send: 'Enviar',
    more: 'Só as primeiras mensagens desta conversa são mostradas aqui.',
  },
  en: {
    title: (n: number) => `Support request #${n}`,
    invalid: 'This link is not valid or has expired.',
    busy: 'Too many attempts. Try again in a moment.',
    you: 'You',
    agent: 'Agent',
    bot: 'Assistant',
    system: 'Notice',
    answer: 'Your answer',
    send: 'Send',
    more: 'Only the first messages of this conversation are shown here.',
  },
} satisfies Record<Locale, unknown>;

/**
 * `/c/<token>` (PROTOCOL §9): the page an e-mail's link opens, served by the node. It shows the
 * conversation (the ticket's latest session) and a form whose answer goes into the same ticket
 * exactly as `POST /api/chat` with the link as Bearer would (a new session once the chat had
 * ended), then shows the page again. Plain HTML, no script: it works in any mail client's
 * browser. The token is a secret in the URL: never cached, no Referer sent.
 */
export function createConversationPage(ctx: ServiceContext, schemas: PayloadSchemas, guards: EdgeGuards): Router {
  const router = Router();

  async function open(req: Request, res: Response): Promise<AuthenticatedChat | undefined> {
    const token = String(req.params.token);
    const locale = localeOf(req);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!TOKEN.test(token) || !isLinkToken(token)) return void page(res, 404, locale, 'Atende', `<p>${escapeHtml(words[locale].invalid)}</p>`);
    try {
      return await checkTokenAtCost(guards.limits.failedResumeAuth, guards.clientIp(req), () => authenticateChat(token, ctx));
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.code === 'UNAUTHORIZED') return void page(res, 404, locale, 'Atende', `<p>${escapeHtml(words[locale].invalid)}</p>`);
      if (error.code === 'RATE_LIMITED') return void page(res, 429, locale, 'Atende', `<p>${escapeHtml(words[locale].busy)}</p>`);
      throw error;
    }
  }

  async function show(res: Response, locale: Locale, authenticated: AuthenticatedChat, status = 200, error?: string) {
    const { chat } = authenticated;
    const transcript = await readTranscript(chat, authenticated.status, 0, ctx);
    const writable = authenticated.status === 'active' || authenticated.continuable;
    page(res, status, locale, words[locale].title(chat.ticketNumber), conversationHtml(locale, transcript.messages, transcript.hasMore, writable, error));
  }

  router.get('/:token', async (req, res) => {
    const authenticated = await open(req, res);
    if (authenticated) await show(res, localeOf(req), authenticated);
  });

  router.post('/:token', express.urlencoded({ extended: false, limit: '32kb' }), async (req, res) => {
    const authenticated = await open(req, res);
    if (!authenticated) return;
    const locale = localeOf(req);
    await guards.limits.sessionMessages.consume(authenticated.chat.sessionId);
    try {
      const input = parsePayload(schemas[locale].messageSend, req.body);
      await sendCustomerMessage(authenticated, input, ctx);
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.code !== 'VALIDATION' && error.code !== 'CLOSED') throw error;
      return show(res, locale, authenticated, error.code === 'VALIDATION' ? 400 : 409, Object.values(error.fields ?? {})[0] ?? error.message);
    }
    // Post/Redirect/Get: a reload shows the conversation, it does not send again.
    res.redirect(303, req.originalUrl);
  });
  return router;
}

function localeOf(req: Request): Locale {
  return resolveLocale(req.headers['accept-language']);
}

function conversationHtml(locale: Locale, messages: Message[], hasMore: boolean, writable: boolean, error?: string): string {
  const w = words[locale];
  const author = (m: Message) => (m.senderType === 'client' ? w.you : (m.senderName ?? w[m.senderType]));
  const items = messages
    .map(
      (m) =>
        `<li data-sender="${m.senderType}"><strong>${escapeHtml(author(m))}</strong><p style="white-space:pre-wrap;margin:2px 0 10px">${escapeHtml(m.body)}</p></li>`,
    )
    .join('\n');
  const form = writable
    ? `<form method="post"><label for="body">${escapeHtml(w.answer)}</label><br>
<textarea id="body" name="body" rows="4" cols="50" maxlength="4000" required></textarea>
<input type="hidden" name="clientMsgId" value="${randomUUID()}">
${error ? `<p role="alert" style="color:#b00020">${escapeHtml(error)}</p>` : ''}<p><button type="submit">${escapeHtml(w.send)}</button></p></form>`
    : '';
  return `${hasMore ? `<p>${escapeHtml(w.more)}</p>` : ''}<ol class="messages" style="list-style:none;padding:0">${items}</ol>${form}`;
}

function page(res: Response, status: number, locale: Locale, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem"><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>
`,
    );
}
