import { createServer, type Server as HttpServer } from 'node:http';
import type { Config } from './config.js';
import { openDatabase, type Database, type DatabaseHandle } from './db/client.js';
import { createInMemoryEventBus, type EventBus } from './events/bus.js';
import { connectRedis, type RedisConnections } from './events/redis.js';
import { createRedisEventBus } from './events/redisBus.js';
import type { ReadinessCheck } from './http/healthRoutes.js';
import { loadAutomations, type Automations } from './automations/automationsConfig.js';
import { startChatAutomations, type ChatAutomations } from './automations/chatAutomations.js';
import { startWebhookDispatcher, type WebhookDispatcher } from './integrations/webhooks/dispatcher.js';
import { startIdleSweeper } from './services/chat/sweepIdleChats.js';
import { startEventLogPruner } from './services/events/pruneEventLog.js';
import { createClientIp } from './security/clientIp.js';
import { defaultMaxConnections } from './security/connectionLimits.js';
import { createRateLimits } from './security/rateLimits.js';
import { createHttpApp } from './http/app.js';
import { answerParserErrors } from './http/clientErrors.js';
import { createOriginPolicy } from './http/origins.js';
import { createInflightTracker } from './inflight.js';
import { createLogger, type Logger } from './logger.js';
import { busObserver, createNodeMetrics, type NodeMetrics } from './metrics.js';
import { createIntakeWriter } from './services/chat/intakeWriter.js';
import { createMessageWriter, type MessageWriter, type MessageWriterOptions } from './services/messages/messageWriter.js';
import { registerChatNamespace } from './realtime/chatNamespace.js';
import { createCustomerChannel } from './realtime/customerChannel.js';
import { createSocketServer, type ChatServer } from './realtime/socketServer.js';
import { listen, serveHttp } from './lifecycle.js';
import type { ServiceContext } from './services/context.js';
import { ensureBootstrapAdmin } from './services/agents/bootstrapAdmin.js';
import { createAgentApi } from './trpc/handler.js';
import { createAgentStreamWatch } from './services/agents/agentStreamWatch.js';
import { loadChatLinks } from './services/chat/chatLinks.js';
import { startMailSender, type MailSender } from './integrations/mail/mailSender.js';
import { createSmtpTransport } from './integrations/mail/smtpTransport.js';
import { createAgentLiveness } from './services/agents/agentLiveness.js';
import { createRouting, type Routing } from './services/routing/routingScheduler.js';
import { createPayloadSchemas } from './validation.js';

export interface NodeOverrides {
  /** An already open database (tests share one per file); the node then leaves it open on stop. */
  database?: DatabaseHandle;
  logger?: Logger;
  /** Automations given inline instead of read from AUTOMATIONS_FILE. */
  automations?: Automations;
  /** Node process metrics (GC, event loop, memory) in /metrics; on by default. */
  processMetrics?: boolean;
  /** Another message writer (the benchmark's one-transaction-per-message baseline). */
  createMessageWriter?: (db: Database, metrics: NodeMetrics, options: MessageWriterOptions) => MessageWriter;
}

export interface AtendeNode {
  url: string;
  port: number;
  ctx: ServiceContext;
  io: ChatServer;
  httpServer: HttpServer;
  /** Webhook deliveries of this node (PROTOCOL §5). */
  webhooks: WebhookDispatcher;
  /** Categories and the FAQ assistant of this node (PROTOCOL §5); `idle()` waits for them. */
  automations: ChatAutomations;
  /** The bootstrap admin's token when this start created it (fresh database, no ADMIN_TOKEN); shown once. */
  generatedAdminToken?: string;
  /** Which database this node runs on, and whether it fans out through Redis. */
  driver: DatabaseHandle['driver'];
  redis: boolean;
  /** This node's mail outbox sender (PROTOCOL §9); undefined without SMTP_URL. */
  mail: MailSender | undefined;
  /** This node's routing passes (PROTOCOL §8); `idle()` waits for the one running. */
  routing: Routing;
  /** Stops accepting, lets in-flight writes finish, disconnects sockets and closes what it opened. */
  stop(): Promise<void>;
}

const DRAIN_TIMEOUT_MS = 8000;

/** The composition root: config → database → bus → services → transports. */
export async function startNode(config: Config, overrides: NodeOverrides = {}): Promise<AtendeNode> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const automations = overrides.automations ?? loadAutomations(config.AUTOMATIONS_FILE);
  const idleTimeoutMs = automations.idleTimeoutMs ?? config.CHAT_IDLE_TIMEOUT_MS;
  const ownsDatabase = !overrides.database;
  const database =
    overrides.database ?? (await openDatabase({
        databaseUrl: config.DATABASE_URL,
        dataDir: config.DATA_DIR,
        maxConnections: config.DATABASE_POOL_SIZE,
      }));
  await database.migrate();

  const metrics: NodeMetrics = createNodeMetrics({ defaultMetrics: overrides.processMetrics });
  const { redis, bus } = await connectFanOut(config, logger, metrics);
  const webhooks = startWebhookDispatcher({ automations, bus, db: database.db, logger });
  webhooks.onLogged((state) => {
    if (state.status !== 'pending') metrics.webhookDeliveries.inc({ status: state.status });
  });
  const inflight = createInflightTracker();
  const isOriginAllowed = createOriginPolicy(config.CORS_ORIGINS, config.PUBLIC_URL);
  const clientIp = createClientIp(config.TRUST_PROXY);
  const limits = rateLimitsOf(config, redis, metrics);

  const httpServer = createServer();
  // An idle keep-alive connection is closed after 65 s, not Node's 5: past the idle timeout of
  // the load balancers in front (60 s is usual), and far from how long clients commonly reuse
  // one, so a request is rarely sent on a connection the server is closing meanwhile
  // (ECONNRESET: seen in tests on a busy machine, with Node's fetch reusing a 4-s-old one).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  answerParserErrors(httpServer);
  const sockets = createSocketServer(httpServer, {
    isOriginAllowed,
    clientIp,
    logger,
    metrics,
    connections: { max: config.MAX_CONNECTIONS ?? defaultMaxConnections(), perIp: config.MAX_CONNECTIONS_PER_IP },
    redis: redis && { connections: redis, prefix: config.REDIS_PREFIX, sharded: config.REDIS_SHARDED },
  });
  const messages = (overrides.createMessageWriter ?? createMessageWriter)(database.db, metrics, {
    maxMessagesPerSession: config.MAX_MESSAGES_PER_SESSION,
  });

  const mailSender = config.SMTP_URL
    ? startMailSender({
        db: database.db,
        transport: createSmtpTransport(config.SMTP_URL),
        from: config.MAIL_FROM!,
        messageIdDomain: new URL(config.PUBLIC_URL).hostname,
        retry: automations.mailRetry,
        logger,
        onAttempt: (outcome) => metrics.mailAttempts.inc({ outcome }),
      })
    : undefined;
  const resumeTokenTtlMs = config.RESUME_TOKEN_TTL_HOURS * 3_600_000;

  const routing = createRouting({
    ...automations.routing,
    presenceTimeoutMs: config.PRESENCE_TIMEOUT_MS,
    assistantOn: Boolean(automations.assistant),
  });
  const ctx: ServiceContext = {
    db: database.db,
    bus,
    customers: createCustomerChannel(sockets.chat),
    policy: {
      defaultPhoneRegion: config.DEFAULT_PHONE_REGION,
      timeZone: config.TZ,
      closeTicketOnChatEnd: automations.closeTicketOnChatEnd,
      identitySecret: config.IDENTITY_SECRET,
      resumeTokenTtlMs,
      maxMessagesPerSession: config.MAX_MESSAGES_PER_SESSION,
      publicUrl: config.PUBLIC_URL,
      transcriptOnClose: automations.transcriptOnClose,
      businessHours: automations.businessHours,
      eventReplayMs: config.EVENT_REPLAY_HOURS * 3_600_000,
    },
    logger,
    messages,
    intake: createIntakeWriter(() => ctx),
    metrics,
    mail: { enabled: Boolean(mailSender), wake: () => mailSender?.wake() },
    links: await loadChatLinks(database.db, { ttlMs: resumeTokenTtlMs }),
    routing,
  };
  const chatAutomations = startChatAutomations(automations, ctx);
  const schemas = createPayloadSchemas(config.DEFAULT_PHONE_REGION);
  const bootstrap = await ensureBootstrapAdmin(config.ADMIN_TOKEN, ctx);
  const agentStreams = createAgentStreamWatch(ctx);
  const liveness = createAgentLiveness(ctx);
  const agentApi = createAgentApi(ctx, { limits, clientIp, agentStreams, liveness });

  let draining = false;
  registerChatNamespace(sockets.chat, { ctx, schemas, logger, inflight, limits, clientIp });
  const app = createHttpApp({
    ctx,
    schemas,
    logger,
    inflight,
    isOriginAllowed,
    limits,
    clientIp,
    readiness: [
      { name: 'database', check: database.ping },
      ...(redis ? [{ name: 'redis', check: redis.ping } satisfies ReadinessCheck] : []),
    ],
    agentApi: agentApi.handler,
    isDraining: () => draining,
    agentStreams,
    liveness,
  });
  serveHttp(httpServer, app);
  const { url, port } = await listen(httpServer, config.PORT, config.HOST, config.LISTEN_BACKLOG);
  logger.info({ port, driver: database.driver, redis: Boolean(redis) }, 'Atende node listening');
  // PORT=0 (tests, scripts): the default PUBLIC_URL names the port actually taken.
  if (config.PORT === 0 && config.PUBLIC_URL === 'http://localhost:0') ctx.policy.publicUrl = url;
  const stopSweeper = startIdleSweeper(idleTimeoutMs, ctx);
  routing.start(ctx);
  const stopPruner = startEventLogPruner(ctx);

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    ctx,
    io: sockets.io,
    httpServer,
    webhooks,
    automations: chatAutomations,
    generatedAdminToken: bootstrap.kind === 'generated' ? bootstrap.token : undefined,
    driver: database.driver,
    redis: Boolean(redis),
    mail: mailSender,
    routing,
    stop() {
      stopping ??= (async () => {
        // First out of the balancer's pool (/readyz 503) while still serving everyone.
        draining = true;
        if (config.SHUTDOWN_DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DELAY_MS));
        // Refuse new connections, send sockets away (they resume on another node), then let
        // writes already started commit: a reply that never reaches its client is retried
        // there with the same clientMsgId and answered from the database.
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        sockets.disconnectLocalSockets();
        agentApi.close();
        stopSweeper();
        routing.stop();
        stopPruner();
        await inflight.drain(DRAIN_TIMEOUT_MS);
        await Promise.all([messages.idle(), ctx.intake.idle()]);
        // Messages still committing were announced: their automations run, then no more start.
        await chatAutomations.idle();
        chatAutomations.stop();
        await routing.idle();
        // After the last events of this node were published; before the log's database closes.
        await webhooks.stop();
        await mailSender?.stop();
        httpServer.closeAllConnections();
        await closed;
        await bus.close();
        await redis?.close();
        if (ownsDatabase) await database.close();
        logger.info('Atende node stopped');
      })();
      return stopping;
    },
  };
}

/** Redis when REDIS_URL is set (rooms and events shared by every node), else one node in memory. */
async function connectFanOut(
  config: Config,
  logger: Logger,
  metrics: NodeMetrics,
): Promise<{ redis: RedisConnections | undefined; bus: EventBus }> {
  const redis: RedisConnections | undefined = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : undefined;
  if (redis && config.REDIS_PREFIX === 'atende' && /\/[1-9]\d*$/.test(new URL(config.REDIS_URL!).pathname)) {
    logger.warn('REDIS_URL names a database number, which pub/sub ignores: set REDIS_PREFIX if another deployment shares this Redis');
  }
  const bus: EventBus = redis
    ? await createRedisEventBus({
        pub: redis.pub,
        sub: redis.busSub,
        logger,
        sharded: config.REDIS_SHARDED,
        prefix: config.REDIS_PREFIX,
        observer: busObserver(metrics),
      })
    : createInMemoryEventBus((error) => logger.error({ err: error }, 'event listener failed'), busObserver(metrics));
  return { redis, bus };
}

/** Rate limits from the config, counted in Redis when there is one so they hold across nodes. */
function rateLimitsOf(config: Config, redis: RedisConnections | undefined, metrics: NodeMetrics) {
  return createRateLimits(
    {
      chatStartsPerMinute: config.RATE_CHAT_STARTS_PER_MINUTE,
      messagesPerMinute: config.RATE_MESSAGES_PER_MINUTE,
      httpRequestsPerMinute: config.RATE_HTTP_REQUESTS_PER_MINUTE,
      failedAuthPerMinute: config.RATE_FAILED_AUTH_PER_MINUTE,
      resumesPerMinute: config.RATE_RESUMES_PER_MINUTE,
    },
    redis && { redis: redis.pub, prefix: config.REDIS_PREFIX },
    (limit) => metrics.rateLimited.inc({ limit }),
  );

}
