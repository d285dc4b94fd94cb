import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { CHAT_NAMESPACE } from '../shared/chat.js';
import type { Config } from './config.js';
import { openDatabase, type Database, type DatabaseHandle } from './db/client.js';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createInMemoryEventBus, type EventBus } from './events/bus.js';
import { adapterPublisher, connectRedis, type RedisConnections } from './events/redis.js';
import { createRedisEventBus } from './events/redisBus.js';
import type { ReadinessCheck } from './http/healthRoutes.js';
import { loadAutomations, type Automations } from './automations/automationsConfig.js';
import { createChatAutomations } from './automations/chatAutomations.js';
import { startWebhookDispatcher, type WebhookDispatcher } from './integrations/webhooks/dispatcher.js';
import { startIdleSweeper } from './services/chat/sweepIdleChats.js';
import { createClientIp } from './security/clientIp.js';
import { allowOneNamespaceSocket, createConnectionGate, defaultMaxConnections } from './security/connectionLimits.js';
import { capUnsentOutput } from './security/outputCap.js';
import { createRateLimits } from './security/rateLimits.js';
import { createHttpApp } from './http/app.js';
import { answerParserErrors } from './http/clientErrors.js';
import { createOriginPolicy } from './http/origins.js';
import { createInflightTracker } from './inflight.js';
import { createLogger, type Logger } from './logger.js';
import { busObserver, createNodeMetrics, type NodeMetrics } from './metrics.js';
import { createMessageWriter, type MessageWriter, type MessageWriterOptions } from './services/messages/messageWriter.js';
import { registerChatNamespace } from './realtime/chatNamespace.js';
import { createCustomerChannel, type ChatNamespace } from './realtime/customerChannel.js';
import type { ServiceContext } from './services/context.js';
import { ensureBootstrapAdmin } from './services/agents/bootstrapAdmin.js';
import { createAgentApi } from './trpc/handler.js';
import { createAgentStreamWatch } from './services/agents/agentStreamWatch.js';
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
  io: SocketServer;
  httpServer: HttpServer;
  /** Webhook deliveries of this node (PROTOCOL §5). */
  webhooks: WebhookDispatcher;
  /** Stops accepting, lets in-flight writes finish, disconnects sockets and closes what it opened. */
  stop(): Promise<void>;
}

const DRAIN_TIMEOUT_MS = 8000;
const SOCKET_IO_PATH = '/socket.io/';

/** The composition root: config → database → bus → services → transports. */
export async function startNode(config: Config, overrides: NodeOverrides = {}): Promise<AtendeNode> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const automations = overrides.automations ?? loadAutomations(config.AUTOMATIONS_FILE);
  const idleTimeoutMs = automations.idleTimeoutMs ?? config.CHAT_IDLE_TIMEOUT_MS;
  const ownsDatabase = !overrides.database;
  const database =
    overrides.database ?? (await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }));
  await database.migrate();

  const metrics: NodeMetrics = createNodeMetrics({ defaultMetrics: overrides.processMetrics });
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
  const webhooks = startWebhookDispatcher({ automations, bus, db: database.db, logger });
  webhooks.onLogged((state) => {
    if (state.status !== 'pending') metrics.webhookDeliveries.inc({ status: state.status });
  });
  const inflight = createInflightTracker();
  const isOriginAllowed = createOriginPolicy(config.CORS_ORIGINS, config.PUBLIC_URL);
  const clientIp = createClientIp(config.TRUST_PROXY);
  const limits = createRateLimits(
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
  const maxConnections = config.MAX_CONNECTIONS ?? defaultMaxConnections();

  const httpServer = createServer();
  answerParserErrors(httpServer);
  const io = new SocketServer(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 100_000,
    cors: { origin: (origin, callback) => callback(null, isOriginAllowed(origin, undefined) ? origin ?? false : false) },
    // Refused at the handshake: foreign origins (cross-site WebSocket hijacking) and, via
    // the gate below, connections past the node's or the IP's cap.
    allowRequest: (req, callback) =>
      callback(null, isOriginAllowed(req.headers.origin, req.headers.host) && admitsConnection(req)),
  });
  const admitsConnection = createConnectionGate(io, clientIp, { max: maxConnections, perIp: config.MAX_CONNECTIONS_PER_IP });
  // Beyond this Node itself drops new TCP connections, keeping headroom for HTTP and health probes.
  httpServer.maxConnections = maxConnections + 500;
  if (redis) {
    const pub = adapterPublisher(redis.pub, () => {}); // the outage is logged by connectRedis
    io.adapter(
      config.REDIS_SHARDED
        ? createShardedAdapter(pub, redis.adapterSub, { channelPrefix: config.REDIS_PREFIX })
        : createAdapter(pub, redis.adapterSub, { key: config.REDIS_PREFIX }),
    );
  }
  const chatNamespace = io.of(CHAT_NAMESPACE) as ChatNamespace;
  allowOneNamespaceSocket([io.of('/'), chatNamespace]);
  capUnsentOutput(io.engine, logger);
  metrics.countSocketsWith(() => [...io._nsps].map(([name, namespace]) => [name, namespace.sockets.size] as [string, number]));
  const messages = (overrides.createMessageWriter ?? createMessageWriter)(database.db, metrics, {
    maxMessagesPerSession: config.MAX_MESSAGES_PER_SESSION,
  });

  const ctx: ServiceContext = {
    db: database.db,
    bus,
    customers: createCustomerChannel(chatNamespace),
    policy: {
      defaultPhoneRegion: config.DEFAULT_PHONE_REGION,
      timeZone: config.TZ,
      closeTicketOnChatEnd: automations.closeTicketOnChatEnd,
      identitySecret: config.IDENTITY_SECRET,
      resumeTokenTtlMs: config.RESUME_TOKEN_TTL_HOURS * 3_600_000,
    },
    hooks: { afterCustomerMessage: () => {} },
    logger,
    messages,
    metrics,
  };
  const chatAutomations = createChatAutomations(automations, ctx);
  ctx.hooks = chatAutomations;
  const schemas = createPayloadSchemas(config.DEFAULT_PHONE_REGION);
  await ensureBootstrapAdmin(config.ADMIN_TOKEN, ctx);
  const agentApi = createAgentApi(ctx, { limits, clientIp, agentStreams: createAgentStreamWatch(ctx) });

  registerChatNamespace(chatNamespace, { ctx, schemas, logger, inflight, limits, clientIp });
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
  });
  // Socket.IO answers its own path itself (the polling transport every browser starts with);
  // were Express to answer it too (404), the second response would crash the process.
  httpServer.on('request', (req, res) => {
    if (!req.url?.startsWith(SOCKET_IO_PATH)) app(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.PORT, config.HOST, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  logger.info({ port, driver: database.driver, redis: Boolean(redis) }, 'Atende node listening');
  const stopSweeper = startIdleSweeper(idleTimeoutMs, ctx);

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    ctx,
    io,
    httpServer,
    webhooks,
    stop() {
      stopping ??= (async () => {
        // Refuse new connections, send sockets away (they resume on another node), then let
        // writes already started commit: a reply that never reaches its client is retried
        // there with the same clientMsgId and answered from the database.
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        // `.local`: through the Redis adapter a plain disconnectSockets reaches every node's
        // sockets, and one node's drain would send the whole cluster's visitors away.
        chatNamespace.local.disconnectSockets(true);
        io.local.disconnectSockets(true);
        agentApi.close();
        stopSweeper();
        await inflight.drain(DRAIN_TIMEOUT_MS);
        await messages.idle();
        await chatAutomations.idle();
        // After the last events of this node were published; before the log's database closes.
        await webhooks.stop();
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
