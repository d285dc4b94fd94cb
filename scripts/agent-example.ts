/**
 * The agent API from TypeScript, end to end typed: lists the chat tickets, opens the newest
 * with its transcript, then follows every event live (SSE) until Ctrl+C.
 *
 *   ATENDE_URL=http://localhost:3000 ATENDE_TOKEN=atd_… npx tsx scripts/agent-example.ts
 *
 * Outside this repository, install `@trpc/client` (and `eventsource` on Node < 22) and import
 * the `AppRouter` type from a checkout or a published types package: it is only a type.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../server/trpc/appRouter.js';

const url = (process.env.ATENDE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const token = process.env.ATENDE_TOKEN;
if (!token) {
  console.error('Set ATENDE_TOKEN to an agent API token (see docs/agent-api.md).');
  process.exit(2);
}

const atende = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      // EventSource cannot send headers: the token travels as a connection parameter.
      true: httpSubscriptionLink({ url: `${url}/trpc`, EventSource, connectionParams: { token } }),
      false: httpBatchLink({ url: `${url}/trpc`, headers: { Authorization: `Bearer ${token}` } }),
    }),
  ],
});

try {
  const me = await atende.agents.me.query();
  console.log(`Signed in as ${me.name} <${me.email}> (${me.role})`);

  const page = await atende.tickets.list.query({ source: 'chat', limit: 10 });
  console.log(`\nNewest chat tickets${page.nextCursor ? ' (more with the cursor)' : ''}:`);
  for (const ticket of page.items) {
    const who = ticket.client.name ?? ticket.client.email ?? ticket.client.phone;
    console.log(`  #${ticket.number}  ${ticket.status.padEnd(8)} ${ticket.priority.padEnd(6)} ${ticket.subject} — ${who}`);
  }

  const newest = page.items[0];
  if (newest) {
    const ticket = await atende.tickets.get.query({ id: newest.id });
    const session = ticket.chatSessions.at(-1);
    if (session) {
      const { messages } = await atende.chats.messages.query({ sessionId: session.id });
      console.log(`\nTranscript of #${ticket.number} (${session.status}, ${session.messageCount} messages):`);
      for (const message of messages) console.log(`  ${message.seq}. [${message.senderType}] ${message.body}`);
    }
  }
} catch (error) {
  if (error instanceof TRPCClientError) {
    console.error(`Atende refused: ${error.data?.code ?? 'error'} — ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const subscription = atende.tickets.onEvent.subscribe(undefined, {
  onStarted() {
    console.log('\nFollowing events (Ctrl+C to stop)…');
  },
  // Each item is `{ id, data }`: the event and its eventId (tRPC's client resumes from it after a drop).
  onData({ data: event }) {
    if (event.type === 'stream.ready' || event.type === 'stream.reset') return;
    const detail = event.type === 'message.created' ? ` ${JSON.stringify((event.message as { body?: string }).body)}` : '';
    console.log(`${event.at}  #${event.ticketNumber}  ${event.type}${detail}`);
  },
  onError(error) {
    console.error(`Subscription ended: ${error.message}`);
    process.exit(1);
  },
});
process.once('SIGINT', () => {
  subscription.unsubscribe();
  process.exit(0);
});
