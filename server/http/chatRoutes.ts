import { Router, type Request } from 'express';
import { resolveLocale } from '../../shared/messages.js';
import { afterSeqSchema } from '../../shared/schemas.js';
import { chatPatchSchema } from '../../shared/chatActions.js';
import { AppError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { authenticateChat } from '../services/chat/authenticateChat.js';
import { closeChat } from '../services/chat/closeChat.js';
import { sendCustomerMessage } from '../services/chat/continueChat.js';
import { continuableFlag, readTranscript } from '../services/chat/resumeChat.js';
import { startChat } from '../services/chat/startChat.js';
import { chatAvailability } from '../services/chat/availability.js';
import { rateChat } from '../services/chat/rateChat.js';
import { requestTranscript } from '../services/mail/transcripts.js';
import { parsePayload, type PayloadSchemas } from '../validation.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import { checkTokenAtCost } from '../security/failedAuth.js';

/** `/api/chat` (PROTOCOL §3): the socket's use cases for clients without a socket. */
export function createChatRoutes(ctx: ServiceContext, schemas: PayloadSchemas, guards: EdgeGuards): Router {
  const router = Router();
  const { limits, clientIp } = guards;

  /** The chat the bearer's resume token opens; wrong tokens count against the caller's IP. */
  async function authenticate(req: Request) {
    const token = bearerToken(req);
    return checkTokenAtCost(limits.failedResumeAuth, clientIp(req), () => authenticateChat(token, ctx));
  }

  router.get('/availability', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json(await chatAvailability(ctx));
  });

  router.put('/', async (req, res) => {
    await limits.chatStart.consume(clientIp(req));
    const locale = resolveLocale(req.body?.locale ?? req.headers['accept-language']);
    const input = parsePayload(schemas[locale].chatStart, req.body);
    const { started } = await startChat(input, ctx);
    res.status(201).json(started);
  });

  router.post('/', async (req, res) => {
    const authenticated = await authenticate(req);
    await limits.sessionMessages.consume(authenticated.chat.sessionId);
    const input = parsePayload(schemas[resolveLocale(req.headers['accept-language'])].messageSend, req.body);
    const { message } = await sendCustomerMessage(authenticated, input, ctx);
    res.status(201).json(message);
  });

  router.patch('/', async (req, res) => {
    const { chat } = await authenticate(req);
    const input = parsePayload(chatPatchSchema, req.body);
    switch (input.action) {
      case 'close':
        await closeChat(chat, { reason: 'client', actorType: 'client', actorId: chat.clientId, note: input.reason }, ctx);
        res.status(200).json({ status: 'closed' });
        return;
      case 'rate':
        res.status(200).json(await rateChat(chat, input, ctx));
        return;
      case 'transcript':
        await limits.sessionMessages.consume(chat.sessionId);
        res.status(202).json(await requestTranscript(chat, ctx));
        return;
    }
  });

  router.get('/', async (req, res) => {
    const { chat, status, continuable } = await authenticate(req);
    const { afterSeq } = parsePayload(afterSeqSchema, req.query);
    await limits.sessionResumes.consume(chat.sessionId);
    res.status(200).json({ ...(await readTranscript(chat, status, afterSeq ?? 0, ctx)), ...continuableFlag(status, continuable) });
  });

  return router;
}

function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) throw new AppError('UNAUTHORIZED', 'Missing Authorization: Bearer <resumeToken>');
  return match[1];
}
