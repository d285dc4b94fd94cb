import { Router, type Response } from 'express';
import { resolveLocale, type Locale } from '../../shared/messages.js';
import { toAppError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { authenticateChat } from '../services/chat/authenticateChat.js';
import { isLinkToken } from '../services/chat/chatLinks.js';
import { escapeHtml } from '../services/mail/mailTemplates.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import { checkTokenAtCost } from '../security/failedAuth.js';

const TOKEN = /^[0-9a-f-]{36}\.[0-9a-z]{1,12}\.[A-Za-z0-9_-]{1,100}$/;

const words = {
  'pt-BR': { title: (n: number) => `Atendimento #${n}`, intro: 'Sua conversa abre logo abaixo.', invalid: 'Este link não é válido ou expirou.', busy: 'Muitas tentativas. Tente de novo em instantes.' },
  en: { title: (n: number) => `Support request #${n}`, intro: 'Your conversation opens below.', invalid: 'This link is not valid or has expired.', busy: 'Too many attempts. Try again in a moment.' },
} satisfies Record<Locale, unknown>;

/**
 * `GET /c/<token>` (PROTOCOL §9): the page an e-mail's link opens. The node checks the link,
 * then serves a page with the widget opened on that conversation (`data-conversation`); the
 * widget resumes with the token and lets the customer answer into the same ticket. The token
 * is a secret in the URL: the page is never cached and sends no Referer.
 */
export function createConversationPage(ctx: ServiceContext, guards: EdgeGuards): Router {
  const router = Router();
  router.get('/:token', async (req, res) => {
    const token = String(req.params.token);
    const locale = resolveLocale(req.headers['accept-language']);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!TOKEN.test(token) || !isLinkToken(token)) return page(res, 404, locale, words[locale].invalid);
    try {
      const { chat } = await checkTokenAtCost(guards.limits.failedResumeAuth, guards.clientIp(req), () => authenticateChat(token, ctx));
      const w = words[locale];
      return page(
        res,
        200,
        locale,
        w.intro,
        w.title(chat.ticketNumber),
        `<script src="/widget.js" data-conversation="${escapeHtml(token)}" data-locale="${locale}" async></script>`,
      );
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.code === 'UNAUTHORIZED') return page(res, 404, locale, words[locale].invalid);
      if (error.code === 'RATE_LIMITED') return page(res, 429, locale, words[locale].busy);
      throw error;
    }
  });
  return router;
}

function page(res: Response, status: number, locale: Locale, text: string, title = 'Atende', script = ''): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></main>
${script}
</body>
</html>
`,
    );
}
