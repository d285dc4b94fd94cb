import { TRPCError } from '@trpc/server';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../server/errors.js';
import { createInMemoryEventBus } from '../server/events/bus.js';
import { streamDomainEvents } from '../server/trpc/eventStream.js';
import { toTRPCError } from '../server/trpc/errors.js';
import type { DomainEvent } from '../shared/tickets.js';

const event = (n: number, ticketId = 't'): DomainEvent => ({
  type: 'ticket.updated',
  ticketId,
  ticketNumber: n,
  at: new Date(0).toISOString(),
  changes: {},
});

/** Lets the bus's microtask deliveries run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('tickets.onEvent stream', () => {
  it('keeps at most maxQueued events for a slow subscriber, dropping the oldest and saying so', async () => {
    const bus = createInMemoryEventBus();
    const warnings: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const controller = new AbortController();
    const stream = streamDomainEvents(bus, { signal: controller.signal, logger, maxQueued: 3 });
    for (let n = 1; n <= 5; n++) bus.publish(event(n));
    await settle();
    const got = [(await stream.next()).value, (await stream.next()).value, (await stream.next()).value];
    expect(got.map((e) => (e as DomainEvent).ticketNumber)).toEqual([3, 4, 5]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ dropped: 1, maxQueued: 3 });
    controller.abort();
    expect((await stream.next()).done).toBe(true);
  });

  it('filters by ticket, waits for events, and unsubscribes on abort even if never pulled', async () => {
    const bus = createInMemoryEventBus();
    const logger = pino({ level: 'silent' });
    const controller = new AbortController();
    const stream = streamDomainEvents(bus, { ticketId: 'mine', signal: controller.signal, logger });
    const pending = stream.next();
    bus.publish(event(1, 'other'));
    bus.publish(event(2, 'mine'));
    expect(((await pending).value as DomainEvent).ticketNumber).toBe(2);

    let delivered = 0;
    const counting = bus.subscribe(() => delivered++);
    const idle = new AbortController();
    streamDomainEvents(bus, { signal: idle.signal, logger }); // never pulled
    idle.abort();
    controller.abort();
    bus.publish(event(3, 'mine'));
    await settle();
    expect(delivered).toBe(1); // only the counting listener is left
    counting();
  });
});

describe('AppError → tRPC code mapping', () => {
  it('keeps typed errors, maps the vocabulary, hides internals', () => {
    expect(toTRPCError(new AppError('CLOSED', 'This chat is closed'))).toMatchObject({ code: 'CONFLICT', message: 'This chat is closed' });
    expect(toTRPCError(new AppError('VALIDATION', 'Invalid input')).code).toBe('BAD_REQUEST');
    expect(toTRPCError(new AppError('NOT_FOUND', 'No such ticket')).code).toBe('NOT_FOUND');
    expect(toTRPCError(new AppError('FORBIDDEN', 'No')).code).toBe('FORBIDDEN');
    const typed = new TRPCError({ code: 'UNAUTHORIZED', message: 'who?' });
    expect(toTRPCError(typed)).toBe(typed);
    // tRPC wraps what a resolver throws as INTERNAL with the original as cause: unwrapped here.
    const wrapped = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new AppError('NOT_FOUND', 'No such customer') });
    expect(toTRPCError(wrapped)).toMatchObject({ code: 'NOT_FOUND', message: 'No such customer' });
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toTRPCError(down).code).toBe('SERVICE_UNAVAILABLE');
    const bug = toTRPCError(new Error('column "secret" does not exist'));
    expect(bug).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
  });
});
