import { describe, expect, it } from 'vitest';
import type { Message } from '../shared/chat.js';
import {
  backoffDelay,
  initialState,
  lastContiguousSeq,
  reducer,
  resumeAgain,
  sendable,
  toStore,
  type Action,
  type WidgetState,
} from '../web/widget/state.js';
import { createFormValidator } from '../web/widget/validation.js';

/** The widget's state rules, without a DOM or a socket. */

const SESSION = { resumeToken: 'token', ticketNumber: 42, sessionId: 's1' };

function message(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    sessionId: 's1',
    seq,
    senderType: 'agent',
    body: `message ${seq}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
    ...extra,
  };
}

function run(state: WidgetState, ...actions: Action[]): WidgetState {
  return actions.reduce(reducer, state);
}

function attached(): WidgetState {
  return run(initialState(), { type: 'connection', connection: 'online' }, { type: 'started', session: SESSION });
}

describe('widget state: messages', () => {
  it('keeps one message per seq, in seq order, whatever order and repeats they arrive in', () => {
    const state = run(
      attached(),
      { type: 'messageReceived', message: message(2) },
      { type: 'messageReceived', message: message(1) },
      { type: 'messageReceived', message: message(2, { body: 'a duplicate' }) },
      { type: 'resumed', ticketNumber: 42, sessionId: 's1', status: 'active', messages: [message(1), message(2), message(3)] },
    );
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(state.messages[1]!.body).toBe('message 2');
  });

  it('leaves the state object alone when nothing new arrives (no re-render, no re-announce)', () => {
    const state = run(attached(), { type: 'messageReceived', message: message(1) });
    expect(reducer(state, { type: 'messageReceived', message: message(1) })).toBe(state);
  });

  it('resumes after the end of the unbroken run of seqs, so a gap is fetched again', () => {
    expect(lastContiguousSeq([])).toBe(0);
    expect(lastContiguousSeq([message(1), message(2), message(3)])).toBe(3);
    expect(lastContiguousSeq([message(1), message(2), message(4)])).toBe(2);
    expect(lastContiguousSeq([message(2)])).toBe(0);
  });

  it('an agent message ends the agent typing indicator', () => {
    const state = run(attached(), { type: 'agentTyping', isTyping: true });
    expect(state.agentTyping).toBe(true);
    expect(run(state, { type: 'messageReceived', message: message(1) }).agentTyping).toBe(false);
  });
});

describe('widget state: sending', () => {
  it('a sent message stays pending until its ack, then becomes the stored message', () => {
    let state = run(attached(), { type: 'messageQueued', clientMsgId: 'c1', body: 'Olá' });
    expect(sendable(state).map((p) => p.clientMsgId)).toEqual(['c1']);
    state = run(state, { type: 'messageEmitted', clientMsgId: 'c1' });
    expect(sendable(state)).toEqual([]);
    expect(state.pending).toMatchObject([{ clientMsgId: 'c1', state: 'sending' }]);
    state = run(state, { type: 'messageAcked', message: message(1, { senderType: 'client', clientMsgId: 'c1', body: 'Olá' }) });
    expect(state.pending).toEqual([]);
    expect(state.messages.map((m) => m.body)).toEqual(['Olá']);
  });

  it('what was in flight at a disconnect goes out again, with the same clientMsgId, after the next attach only', () => {
    let state = run(
      attached(),
      { type: 'messageQueued', clientMsgId: 'c1', body: 'one' },
      { type: 'messageEmitted', clientMsgId: 'c1' },
      { type: 'connection', connection: 'offline' },
      { type: 'messageQueued', clientMsgId: 'c2', body: 'two' },
    );
    expect(state.attached).toBe(false);
    expect(sendable(state)).toEqual([]); // never emitted on a socket that is not attached
    state = run(
      state,
      { type: 'connection', connection: 'online' },
      { type: 'resumed', ticketNumber: 42, sessionId: 's1', status: 'active', messages: [] },
    );
    expect(sendable(state).map((p) => [p.clientMsgId, p.body])).toEqual([
      ['c1', 'one'],
      ['c2', 'two'],
    ]);
  });

  it('a message the server stored before the cut is recognised in the resume, not sent twice', () => {
    const state = run(
      attached(),
      { type: 'messageQueued', clientMsgId: 'c1', body: 'one' },
      { type: 'messageEmitted', clientMsgId: 'c1' },
      { type: 'connection', connection: 'offline' },
      {
        type: 'resumed',
        ticketNumber: 42,
        sessionId: 's1',
        status: 'active',
        messages: [message(1, { senderType: 'client', clientMsgId: 'c1', body: 'one' })],
      },
    );
    expect(state.pending).toEqual([]);
    expect(sendable(state)).toEqual([]);
  });

  it('a retryable failure requeues, a refusal fails for good', () => {
    const state = run(
      attached(),
      { type: 'messageQueued', clientMsgId: 'c1', body: 'one' },
      { type: 'messageQueued', clientMsgId: 'c2', body: 'two' },
      { type: 'messageEmitted', clientMsgId: 'c1' },
      { type: 'messageEmitted', clientMsgId: 'c2' },
      { type: 'messageFailed', clientMsgId: 'c1', error: 'busy', retry: true },
      { type: 'messageFailed', clientMsgId: 'c2', error: 'too long', retry: false },
    );
    expect(state.pending).toMatchObject([
      { clientMsgId: 'c1', state: 'queued' },
      { clientMsgId: 'c2', state: 'failed', error: 'too long' },
    ]);
    expect(sendable(state).map((p) => p.clientMsgId)).toEqual(['c1']);
  });

  it('unacknowledged messages kept over a reload are queued again; failed ones are dropped', () => {
    const state = initialState({
      session: SESSION,
      pending: [
        { clientMsgId: 'c1', body: 'one', state: 'sending' },
        { clientMsgId: 'c2', body: 'two', state: 'failed' },
      ],
    });
    expect(state.phase).toBe('chat');
    expect(state.pending).toEqual([{ clientMsgId: 'c1', body: 'one', state: 'queued' }]);
  });
});

describe('widget state: the chat lifecycle', () => {
  it('a returning visitor finds the form prefilled, without errors shown', () => {
    const state = initialState({ contact: { name: 'Ana', email: 'ana@example.com', phone: '11 98888-7777' } });
    expect(state.phase).toBe('form');
    expect(state.form.values).toEqual({ name: 'Ana', email: 'ana@example.com', phone: '11 98888-7777' });
    expect(state.form.touched).toEqual({});
  });

  it('errors are shown for a field once typed into, and for all after a refused submit', () => {
    let state = run(initialState(), { type: 'fieldChanged', field: 'email', value: 'a@', errors: { name: 'x', email: 'y' } });
    expect(state.form.touched).toEqual({ email: true });
    state = run(state, { type: 'submitInvalid', errors: { name: 'x', email: 'y', phone: 'z' } });
    expect(state.form.touched).toEqual({ name: true, email: true, phone: true });
  });

  it('start failures bring the form back with the server’s field messages', () => {
    const state = run(initialState(), { type: 'startRequested' }, { type: 'startFailed', error: '', fields: { phone: 'Informe um telefone válido' } });
    expect(state.phase).toBe('form');
    expect(state.form.errors.phone).toBe('Informe um telefone válido');
  });

  it('a closed chat is read-only: nothing more is queued, pending ones fail, one notice', () => {
    let state = run(
      attached(),
      { type: 'messageQueued', clientMsgId: 'c1', body: 'late' },
      { type: 'chatClosed', reason: 'agent' },
      { type: 'chatClosed', reason: 'agent' },
      { type: 'messageQueued', clientMsgId: 'c2', body: 'later' },
    );
    expect(state.status).toBe('closed');
    expect(state.pending).toMatchObject([{ clientMsgId: 'c1', state: 'failed' }]);
    expect(state.notices.map((n) => n.kind)).toEqual(['closed']);
    // Resuming a closed chat (reload) adds no second notice.
    state = run(state, { type: 'resumed', ticketNumber: 42, sessionId: 's1', status: 'closed', messages: [] });
    expect(state.notices).toHaveLength(1);
  });

  it('ticket status changes become notices placed after the last message, once per status', () => {
    const state = run(
      attached(),
      { type: 'messageReceived', message: message(1) },
      { type: 'ticketUpdated', ticketNumber: 42, status: 'PENDING' },
      { type: 'ticketUpdated', ticketNumber: 42, status: 'PENDING' },
    );
    expect(state.notices).toMatchObject([{ kind: 'ticketStatus', value: 'PENDING', afterSeq: 1 }]);
  });

  it('a token that no longer resumes leads back to the form, prefilled', () => {
    const state = run(
      initialState({ session: SESSION, contact: { name: 'Ana', email: 'ana@example.com', phone: '1' } }),
      { type: 'resumeRejected' },
    );
    expect(state.phase).toBe('form');
    expect(state.session).toBeUndefined();
    expect(state.form.values.name).toBe('Ana');
  });

  it('a new chat after the end keeps the contact data', () => {
    const state = run(
      initialState({ contact: { name: 'Ana', email: 'ana@example.com', phone: '11 98888-7777' } }),
      { type: 'started', session: SESSION },
      { type: 'chatClosed', reason: 'client' },
      { type: 'newChat' },
    );
    expect(state).toMatchObject({ phase: 'form', status: 'active', messages: [], notices: [] });
    expect(state.form.values.email).toBe('ana@example.com');
  });
});

describe('widget state: resume paging (at most 200 messages per answer, then hasMore)', () => {
  const page = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
  const resumed = (messages: Message[]): Action => ({ type: 'resumed', ticketNumber: 42, sessionId: 's1', status: 'active', messages });

  it('resumes again from the last seq it got while hasMore is true, and stops when it is false', () => {
    let state = initialState({ session: SESSION });
    state = run(state, resumed(page(1, 200)));
    expect(resumeAgain(state, 0, true)).toBe(true);
    expect(lastContiguousSeq(state.messages)).toBe(200); // the next chat:resume's lastSeq
    state = run(state, resumed(page(201, 400)));
    expect(resumeAgain(state, 200, true)).toBe(true);
    state = run(state, resumed(page(401, 450)));
    expect(resumeAgain(state, 400, false)).toBe(false);
    expect(state.messages.map((m) => m.seq)).toEqual(page(1, 450).map((m) => m.seq));
  });

  it('a server without paging (no hasMore) is asked once; a page that does not move forward is not asked again', () => {
    const state = run(initialState({ session: SESSION }), resumed(page(1, 3)));
    expect(resumeAgain(state, 0, undefined)).toBe(false);
    expect(resumeAgain(state, 3, true)).toBe(false);
  });
});

describe('widget state: identity and what is stored', () => {
  const ana = { name: 'Ana', email: 'ana@example.com', phone: '11 98888-7777' };
  const identity = { email: 'Ana@Example.com', hash: 'ab'.repeat(32) };

  it('a vouched-for shopper gets the form prefilled and keeps the identity until the e-mail is edited into another', () => {
    let state = run(initialState(), { type: 'identify', values: ana, errors: {}, identity });
    expect(state.form.values).toEqual(ana);
    expect(state.identity).toEqual(identity);
    state = run(state, { type: 'fieldChanged', field: 'name', value: 'Ana Maria', errors: {} });
    state = run(state, { type: 'fieldChanged', field: 'email', value: ' ana@example.COM ', errors: {} });
    expect(state.identity).toEqual(identity); // the same address
    state = run(state, { type: 'fieldChanged', field: 'email', value: 'outra@example.com', errors: {} });
    expect(state.identity).toBeUndefined();
    state = run(state, { type: 'fieldChanged', field: 'email', value: 'ana@example.com', errors: {} });
    expect(state.identity).toBeUndefined(); // dropped for good, not restored by typing it back
  });

  it('a new chat keeps the identity; "Not me" forgets it and empties the form', () => {
    let state = run(initialState(), { type: 'identify', values: ana, errors: {}, identity }, { type: 'started', session: SESSION });
    state = run(state, { type: 'chatClosed', reason: 'client' }, { type: 'newChat' });
    expect(state.identity).toEqual(identity);
    state = run(state, { type: 'forget' });
    expect(state.identity).toBeUndefined();
    expect(state.form.values).toEqual({ name: '', email: '', phone: '' });
  });

  it('stores the contact of the chat started, and the token and unsent messages only while the chat is open', () => {
    let state = run(initialState({ contact: ana }), { type: 'started', session: SESSION });
    expect(toStore(state, { type: 'started', session: SESSION })).toEqual({ contact: ana, session: SESSION, pending: [] });
    const queued: Action = { type: 'messageQueued', clientMsgId: 'c1', body: 'oi' };
    state = run(state, queued);
    expect(toStore(state, queued, ana)).toMatchObject({ session: SESSION, pending: [{ clientMsgId: 'c1' }] });

    for (const reason of ['client', 'agent', 'timeout'] as const) {
      const closed: Action = { type: 'chatClosed', reason };
      expect(toStore(run(state, closed), closed, ana)).toEqual({ contact: ana });
    }
    // Closed while the page was away: the resume says so, and the token goes.
    const resumedClosed: Action = { type: 'resumed', ticketNumber: 42, sessionId: 's1', status: 'closed', messages: [message(1)] };
    expect(toStore(run(initialState({ session: SESSION }), resumedClosed), resumedClosed, ana)).toEqual({ contact: ana });
    // "Not me" forgets the contact data.
    const forget: Action = { type: 'forget' };
    expect(toStore(run(initialState({ contact: ana }), forget), forget, ana)).toEqual({ contact: undefined });
  });

  it('another shopper identified on this browser does not resume the chat stored here; the same one does', () => {
    const stored = initialState({ contact: ana, session: SESSION, pending: [{ clientMsgId: 'c1', body: 'de Ana', state: 'queued' }] });
    const bia = { name: 'Bia', email: 'bia@example.com', phone: '' };
    const other: Action = { type: 'identify', values: bia, errors: {}, identity: { email: bia.email, hash: 'cd'.repeat(32) } };
    const next = run(stored, other);
    expect(next).toMatchObject({ phase: 'form', session: undefined, pending: [], form: { values: bia } });
    expect(toStore(next, other, ana)).toEqual({ contact: ana });
    const same: Action = { type: 'identify', values: ana, errors: {}, identity };
    expect(run(stored, same).session).toEqual(SESSION);
    // A chat attached on this page goes on (the identity applies to the next one).
    const live = run(stored, { type: 'connection', connection: 'online' }, { type: 'resumed', ticketNumber: 42, sessionId: 's1', status: 'active', messages: [] });
    expect(run(live, other).session).toEqual(SESSION);
  });

  it('an identity the server refuses (hash not matching) is dropped: trying again starts an unverified chat', () => {
    let state = run(initialState(), { type: 'identify', values: ana, errors: {}, identity }, { type: 'startRequested' });
    state = run(state, { type: 'startFailed', error: 'x', refused: true });
    expect(state).toMatchObject({ phase: 'form', identity: undefined, form: { values: ana } });
  });

  it('never stores the identity hash', () => {
    const state = run(initialState(), { type: 'identify', values: ana, errors: {}, identity }, { type: 'started', session: SESSION });
    expect(JSON.stringify(toStore(state, { type: 'started', session: SESSION }))).not.toContain(identity.hash);
  });
});

describe('widget validation (the shared schemas)', () => {
  it('reports each field in the visitor’s locale and nothing once valid', () => {
    const pt = createFormValidator('pt-BR', 'BR');
    expect(pt.contact({ name: '', email: 'a@', phone: '123' })).toEqual({
      name: 'Campo obrigatório',
      email: 'Informe um e-mail válido',
      phone: 'Informe um telefone válido',
    });
    expect(pt.contact({ name: 'Ana', email: 'ana@example.com', phone: '(11) 98888-7777' })).toEqual({});
    const en = createFormValidator('en', 'US');
    expect(en.contact({ name: 'Ann', email: 'ann@example', phone: '(201) 555-0123' })).toEqual({ email: 'Enter a valid e-mail address' });
    expect(en.body('   ')).toBe('The message must have 1 to 4000 characters');
  });

  it('sends a phone typed without a country code as the number it means in the widget’s region', () => {
    const us = createFormValidator('en', 'US');
    const form = { name: 'Ann', email: 'ann@example.com', phone: '(201) 555-0123' };
    expect(us.payload(form)).toEqual({ ...form, phone: '+12015550123' });
    // With a country code it is unambiguous: sent as typed (the session keeps what was typed).
    expect(us.payload({ ...form, phone: '+55 (11) 98765-4321' }).phone).toBe('+55 (11) 98765-4321');
    expect(us.payload({ ...form, phone: 'oops' }).phone).toBe('oops');
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially with jitter and is capped', () => {
    expect(backoffDelay(0, 0)).toBe(250);
    expect(backoffDelay(0, 1)).toBe(500);
    expect(backoffDelay(3, 1)).toBe(4000);
    expect(backoffDelay(30, 1)).toBe(10_000);
    expect(backoffDelay(30, 0)).toBe(5000);
  });
});

describe('widget state: availability (PROTOCOL §9)', () => {
  it('an offline answer keeps its reason (the offline form shows it) and leaves the form as typed; the next answer replaces it', () => {
    let state = reducer(initialState(), { type: 'fieldChanged', field: 'name', value: 'Ana', errors: {} });
    state = reducer(state, { type: 'availability', offline: 'no_agents' });
    expect(state).toMatchObject({ offline: 'no_agents', phase: 'form', form: { values: { name: 'Ana' } } });
    state = reducer(state, { type: 'availability', offline: undefined });
    expect(state.offline).toBeUndefined();
  });
});
