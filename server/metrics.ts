import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainEvent } from '../shared/tickets.js';
import type { EventMeta } from './events/bus.js';

// Socket acks and transactions live between a millisecond and a few seconds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const LAG_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

/**
 * What one node tells Prometheus at `GET /metrics`. Each node has its own Registry, so several
 * nodes in one process (the tests) never share or double-register a metric.
 */
export function createNodeMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let countSockets: () => Iterable<[string, number]> = () => [];

  const metrics = {
    registry,
    socketsConnected: new Gauge({
      name: 'atende_sockets_connected',
      help: 'Socket.IO sockets connected to this node, by namespace',
      labelNames: ['namespace'] as const,
      registers,
      collect() {
        for (const [namespace, count] of countSockets()) this.set({ namespace }, count);
      },
    }),
    /** Where the sockets gauge reads its figures from when scraped (the node's Socket.IO server). */
    countSocketsWith(source: () => Iterable<[string, number]>) {
      countSockets = source;
    },
    chatsStarted: new Counter({
      name: 'atende_chats_started_total',
      help: 'Chats started (tickets opened by chat:start or PUT /api/chat)',
      registers,
    }),
    intakeDuration: new Histogram({
      name: 'atende_intake_duration_seconds',
      help: 'Time of the intake (find or create the customer, open ticket and session), by outcome',
      labelNames: ['outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    messagesPersisted: new Counter({
      name: 'atende_messages_persisted_total',
      help: 'Chat messages committed, by sender type',
      labelNames: ['sender_type'] as const,
      registers,
    }),
    chatStartBatchSize: new Histogram({
      name: 'atende_chat_start_batch_size',
      help: 'Chat starts written by one group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    }),
    messageBatchSize: new Histogram({
      name: 'atende_message_batch_size',
      help: 'Messages written by one group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    ackDuration: new Histogram({
      name: 'atende_socket_ack_duration_seconds',
      help: 'From a customer socket event arriving to its acknowledgement, by event and outcome',
      labelNames: ['event', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    dbTransactionDuration: new Histogram({
      name: 'atende_db_transaction_duration_seconds',
      help: 'Database transactions of the hot paths, from BEGIN to COMMIT, by operation and outcome',
      labelNames: ['operation', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    eventsPublished: new Counter({
      name: 'atende_events_published_total',
      help: 'Domain events published by this node, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    eventsDelivered: new Counter({
      name: 'atende_events_delivered_total',
      help: "Domain events delivered to this node's subscribers, by origin (local, or remote through Redis)",
      labelNames: ['origin'] as const,
      registers,
    }),
    eventLag: new Histogram({
      name: 'atende_event_bus_lag_seconds',
      help: 'From publish on one node to delivery on this one, for events that came through Redis',
      buckets: LAG_BUCKETS,
      registers,
    }),
    rateLimited: new Counter({
      name: 'atende_rate_limited_total',
      help: 'Requests refused by a rate limit, by limit',
      labelNames: ['limit'] as const,
      registers,
    }),
    mailAttempts: new Counter({
      name: 'atende_mail_attempts_total',
      help: 'E-mail send attempts of the outbox, by outcome (sent, retry, failed)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'atende_webhook_deliveries_total',
      help: 'Webhook deliveries finished and logged, by status (delivered, failed)',
      labelNames: ['status'] as const,
      registers,
    }),
    httpRequests: new Counter({
      name: 'atende_http_requests_total',
      help: 'HTTP requests answered, by method and status class',
      labelNames: ['method', 'status'] as const,
      registers,
    }),
  };
  return metrics;
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;

/** Times `work` into the transaction histogram under `operation`. */
export async function timeTransaction<T>(metrics: NodeMetrics, operation: string, work: () => Promise<T>): Promise<T> {
  const end = metrics.dbTransactionDuration.startTimer({ operation });
  try {
    const result = await work();
    end({ outcome: 'ok' });
    return result;
  } catch (error) {
    end({ outcome: 'error' });
    throw error;
  }
}

/** The event bus's observer that feeds the metrics. */
export function busObserver(metrics: NodeMetrics) {
  return {
    published(event: DomainEvent) {
      metrics.eventsPublished.inc({ type: event.type });
    },
    delivered(_event: DomainEvent, meta: EventMeta, lagMs: number | undefined) {
      metrics.eventsDelivered.inc({ origin: meta.local ? 'local' : 'remote' });
      if (lagMs !== undefined) metrics.eventLag.observe(Math.max(0, lagMs) / 1000);
    },
  };
}

/** A wall clock with sub-millisecond resolution, comparable between processes of one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
