import { describe, expect, it } from 'vitest';
import { lazyPart } from '../web/widget/lazy/lazyPart.js';
import { englishOrdinal, portugueseOrdinal, queueText } from '../web/widget/lazy/queue.js';
import { AGENT_NAME_SHOWN, MAX_QUEUE_POSITION, agentNameOf, queuePositionOf } from '../web/widget/serverPayloads.js';
import { initialState, reducer, toStore, type Action, type WidgetState } from '../web/widget/state.js';

/**
 * PROTOCOL §8 in the widget, without a DOM or a socket: the queue's words, its state rules,
 * and how a lazy part is fetched.
 */

const SESSION = { resumeToken: 'token', ticketNumber: 42, sessionId: 's1' };

function run(state: WidgetState, ...actions: Action[]): WidgetState {
  return actions.reduce(reducer, state);
}

function attached(): WidgetState {
  return run(initialState(), { type: 'connection', connection: 'online' }, { type: 'started', session: SESSION });
}

const queued = (position: unknown): Action => ({ type: 'queuePosition', position });
const joined = (agentName: unknown): Action => ({ type: 'agentJoined', agentName });

describe('the queue’s words', () => {
  it('English ordinals: st, nd, rd after 1, 2, 3 but th for 11–13 of every hundred', () => {
    const cases: Record<number, string> = {
      1: '1st', 2: '2nd', 3: '3rd', 4: '4th', 9: '9th', 10: '10th', 11: '11th', 12: '12th', 13: '13th', 14: '14th',
      20: '20th', 21: '21st', 22: '22nd', 23: '23rd', 24: '24th', 100: '100th', 101: '101st', 102: '102nd', 103: '103rd',
      111: '111th', 112: '112th', 113: '113th', 121: '121st', 1001: '1001st', 1011: '1011th', 1012: '1012th',
    };
    for (const [n, ordinal] of Object.entries(cases)) expect(englishOrdinal(Number(n))).toBe(ordinal);
  });

  it('Portuguese ordinals take the masculine indicator: 1º, 2º, 11º', () => {
    expect([1, 2, 11, 21, 100].map(portugueseOrdinal)).toEqual(['1º', '2º', '11º', '21º', '100º']);
  });

  it('the status line and the agent’s line, as the contract words them, in both locales', () => {
    expect(queueText('pt-BR').position(2)).toBe('Você é o 2º na fila');
    expect(queueText('pt-BR').position(1)).toBe('Você é o 1º na fila');
    expect(queueText('en').position(2)).toBe('You are 2nd in line');
    expect(queueText('en').position(13)).toBe('You are 13th in line');
    expect(queueText('en').position(23)).toBe('You are 23rd in line');
    expect(queueText('pt-BR').agentJoined('Maria')).toBe('Maria entrou na conversa');
    expect(queueText('en').agentJoined('Maria')).toBe('Maria joined the chat');
    // No usable name from the server: still told that someone joined.
    expect(queueText('pt-BR').agentJoined('')).toBe('Um atendente entrou na conversa');
    expect(queueText('en').agentJoined('')).toBe('An agent joined the chat');
  });
});

describe('widget state: the queue', () => {
  it('shows each new position while queued; the same position again changes nothing', () => {
    let state = run(attached(), queued(3));
    expect(state.queuePosition).toBe(3);
    state = run(state, queued(2));
    expect(state.queuePosition).toBe(2);
    expect(reducer(state, queued(2))).toBe(state);
  });

  it('ignores a position that is not an integer from 1 (a buggy or hostile server), keeping the last good one', () => {
    const state = run(attached(), queued(4));
    const bad = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_QUEUE_POSITION + 1, 2 ** 53, '2', '<b>2</b>', null, undefined, {}, [2], true];
    for (const position of bad) {
      expect(queuePositionOf(position), String(position)).toBeUndefined();
      expect(reducer(state, queued(position)), String(position)).toBe(state);
    }
    expect(queuePositionOf(1)).toBe(1);
    expect(queuePositionOf(MAX_QUEUE_POSITION)).toBe(MAX_QUEUE_POSITION);
  });

  it('an agent joining ends the queue line and adds one line to the transcript, after the last message', () => {
    let state = run(attached(), queued(2), {
      type: 'messageReceived',
      message: { id: 'm1', sessionId: 's1', seq: 1, senderType: 'client', body: 'Oi', createdAt: new Date(0).toISOString() },
    });
    state = run(state, joined('Maria'));
    expect(state.queuePosition).toBeUndefined();
    expect(state.notices).toEqual([{ key: 'agentJoined:0', kind: 'agentJoined', value: 'Maria', afterSeq: 1 }]);
    // Another agent later (a reassignment): another line.
    state = run(state, joined('João'));
    expect(state.notices.map((n) => n.value)).toEqual(['Maria', 'João']);
  });

  it('keeps an agent’s name to one short line of plain text; anything but a string reads as "an agent"', () => {
    expect(agentNameOf('  Maria   Silva ')).toBe('Maria Silva');
    expect(agentNameOf('Maria\nSilva\t\u0000!')).toBe('Maria Silva !');
    // Bidi overrides would reorder the sentence around the name.
    expect(agentNameOf('\u202eairaM\u202c')).toBe('airaM');
    expect(agentNameOf('Ma\u2066ria\u2069')).toBe('Maria');
    // Markup stays as typed: the view writes it as text, never as HTML.
    expect(agentNameOf('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
    const long = agentNameOf('Maria '.repeat(40));
    expect([...long]).toHaveLength(AGENT_NAME_SHOWN);
    expect(long.endsWith('…')).toBe(true);
    expect([...agentNameOf('😀'.repeat(100))]).toHaveLength(AGENT_NAME_SHOWN); // cut between characters, not UTF-16 halves
    for (const value of [undefined, null, 42, {}, ['Maria'], '', '   ', '\u202e']) expect(agentNameOf(value), String(value)).toBe('');
    expect(run(attached(), joined({ toString: () => 'Maria' })).notices).toMatchObject([{ kind: 'agentJoined', value: '' }]);
  });

  it('ignores both events when no chat is shown (the form) or once it ended', () => {
    const form = initialState();
    expect(reducer(form, queued(1))).toBe(form);
    expect(reducer(form, joined('Maria'))).toBe(form);
    const closed = run(attached(), queued(1), { type: 'chatClosed', reason: 'timeout' });
    expect(closed.queuePosition).toBeUndefined();
    expect(reducer(closed, queued(1))).toBe(closed);
    expect(reducer(closed, joined('Maria'))).toBe(closed);
  });

  it('what arrives while the chat is starting (before the server’s answer) is kept once it started', () => {
    const starting = run(initialState(), { type: 'connection', connection: 'online' }, { type: 'startRequested' });
    const state = run(starting, queued(2), { type: 'started', session: SESSION });
    expect(state.queuePosition).toBe(2);
    const assigned = run(starting, joined('Maria'), { type: 'started', session: SESSION });
    expect(assigned.notices).toMatchObject([{ kind: 'agentJoined', value: 'Maria' }]);
  });

  it('a lost connection drops the position (the server tells it again after the resume); nothing of the queue is stored', () => {
    let state = run(attached(), queued(2));
    expect(toStore(state, queued(2))).toEqual({ contact: undefined, session: SESSION, pending: [] });
    state = run(state, { type: 'connection', connection: 'connecting' });
    expect(state.queuePosition).toBeUndefined();
    state = run(state, { type: 'connection', connection: 'online' }, { type: 'resumed', ticketNumber: 42, sessionId: 's1', status: 'active', messages: [] });
    expect(state.queuePosition).toBeUndefined();
    expect(run(state, queued(1)).queuePosition).toBe(1);
  });

  it('a new chat starts with no queue line and none of the last chat’s lines', () => {
    const ended = run(attached(), queued(2), joined('Maria'), { type: 'chatClosed', reason: 'agent' });
    const fresh = run(ended, { type: 'newChat' });
    expect(fresh.queuePosition).toBeUndefined();
    expect(fresh.notices).toEqual([]);
  });
});

describe('lazy parts', () => {
  it('are fetched once however often asked for while on their way, then handed over once', async () => {
    let loads = 0;
    const ready: unknown[] = [];
    const part = { css: '.x{}' };
    const lazy = lazyPart(async () => {
      loads++;
      return part;
    }, (loaded) => ready.push(loaded));
    expect(lazy.get()).toBeUndefined();
    expect(lazy.get()).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads).toBe(1);
    expect(ready).toEqual([part]);
    expect(lazy.get()).toBe(part);
    expect(loads).toBe(1);
  });

  it('a failed fetch (network down) is tried again the next time the part is needed', async () => {
    let loads = 0;
    const ready: unknown[] = [];
    const lazy = lazyPart(async () => {
      if (++loads === 1) throw new TypeError('Failed to fetch dynamically imported module');
      return {};
    }, (loaded) => ready.push(loaded));
    expect(lazy.get()).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toEqual([]);
    expect(lazy.get()).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads).toBe(2);
    expect(ready).toHaveLength(1);
    expect(lazy.get()).toEqual({});
  });
});
