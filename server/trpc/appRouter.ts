import { router } from './init.js';
import { agentsRouter } from './routers/agents.js';
import { cannedResponsesRouter } from './routers/cannedResponses.js';
import { chatsRouter } from './routers/chats.js';
import { clientsRouter } from './routers/clients.js';
import { metricsRouter } from './routers/metrics.js';
import { ticketsRouter } from './routers/tickets.js';
import { webhooksRouter } from './routers/webhooks.js';

/** The agent API at `/trpc` (PROTOCOL §4). */
export const appRouter = router({
  tickets: ticketsRouter,
  chats: chatsRouter,
  clients: clientsRouter,
  metrics: metricsRouter,
  agents: agentsRouter,
  webhooks: webhooksRouter,
  cannedResponses: cannedResponsesRouter,
});

/** What agent tooling imports for end-to-end types: `import type { AppRouter } from '…/server/trpc/appRouter.js'`. */
export type AppRouter = typeof appRouter;
