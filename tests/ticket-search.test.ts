import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { beforeAll, expect, it } from 'vitest';
import { ticketsRepository } from '../server/repositories/tickets.js';
import { postMessage } from '../server/services/chat/postMessage.js';
import { startChat } from '../server/services/chat/startChat.js';
import { ticketSearchOf } from '../server/services/searchTerms.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { newClientMsgId, uniqueContact } from './support/customer.js';
import { describeOnEachDriver, describeOnPostgres } from './support/databases.js';
import { lockWaiters, untilLockWaiters } from './support/lockWaits.js';
import { useTestNode } from './support/suite.js';

type ListInput = Parameters<AgentClient['tickets']['list']['query']>[0];

/** A word no other test writes: letters only, so every parser reads it as one plain word. */
const newWord = () => Array.from(randomBytes(8), (byte) => String.fromCharCode(97 + (byte % 26))).join('');

describeOnEachDriver('search: tickets.list q (PROTOCOL §11)', (db) => {
  const adminToken = newAdminToken();
  let admin: AgentClient;
  let agent: AgentClient;
  let agentToken: string;
  let agentId: string;
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    admin = agentClient(node().url, adminToken);
    const created = await admin.agents.create.mutate({ name: 'Sara Search', email: uniqueContact().email, role: 'agent' });
    agent = agentClient(node().url, created.token);
    agentToken = created.token;
    agentId = created.agent.id;
  });

  const numbers = async (input: ListInput) => (await agent.tickets.list.query(input)).items.map((t) => t.number);

  /** Every page of a listing, `limit` at a time. */
  async function allPages(input: ListInput & object, limit: number): Promise<number[]> {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<AgentClient['tickets']['list']['query']>> = await agent.tickets.list.query({ ...input, limit, cursor });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((t) => t.number));
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  }

  /** A chat through the service, its first customer message `message`. */
  async function chat(contact: ReturnType<typeof uniqueContact>, message?: string) {
    const { started, chat: ref } = await startChat({ name: contact.name, email: contact.email, phone: contact.e164, message }, node().ctx);
    return { ...started, ref };
  }

  it('finds chat message words by Portuguese stem, accents and case ignored; notes are not searched', async () => {
    const tag = newWord();
    const plural = await chat(uniqueContact('Ana Plural'), `Minhas Entregas ${tag} não chegaram`);
    const accented = await chat(uniqueContact('Bia Acento'), 'Oi');
    // An agent's words are chat text too.
    await agent.tickets.reply.mutate({ id: accented.ticketId, body: `Entregá ${tag} amanhã, sem falta`, clientMsgId: newClientMsgId() });
    const other = await chat(uniqueContact('Caio Outro'), `Chegou o ${tag} de ontem`);
    await postMessage(other.ref, { type: 'client', name: 'Caio Outro' }, { body: 'A entrega foi rápida', clientMsgId: 'c2' }, node().ctx);
    const noted = await chat(uniqueContact('Duda Nota'), 'Bom dia');
    // Notes are agents' private remarks, not chat messages (PROTOCOL §8, §11): never found by their words.
    const noteOnly = newWord();
    await agent.tickets.note.mutate({ id: noted.ticketId, body: `Entrega ${tag} combinada por telefone, ${noteOnly}` });

    const both = [accented.ticketNumber, plural.ticketNumber];
    expect(await numbers({ q: `entrega ${tag}` })).toEqual(both);
    expect(await numbers({ q: `ENTREGÁS ${tag.toUpperCase()}` })).toEqual(both);
    expect(await numbers({ q: `entregar ${tag}` })).toEqual(both);
    // Every word in one message: the other chat has both words, in two messages.
    expect(await numbers({ q: tag })).toEqual([other.ticketNumber, accented.ticketNumber, plural.ticketNumber]);
    expect(await numbers({ q: noteOnly })).toEqual([]);
    expect(await numbers({ q: '%' })).toEqual([]);
  });

  it('finds a customer by name (words by prefix, accents ignored), e-mail fragment and phone digits as typed', async () => {
    const tag = newWord();
    const contact = { ...uniqueContact(`Júlia ${tag} Araújo`), email: `julia.${tag}@example.com` };
    const first = await chat(contact);
    const second = await agent.tickets.create.mutate({ subject: 'Ligação', source: 'phone', client: { phone: contact.e164 } });
    const stranger = await chat(uniqueContact(`Julio ${newWord()}`));
    const mine = [second.number, first.ticketNumber];
    const digits = contact.e164.slice(-9); // 9XXXXXXXX

    expect(await numbers({ q: `julia ${tag}` })).toEqual(mine);
    expect(await numbers({ q: `${tag} arau` })).toEqual(mine);
    expect(await numbers({ q: `Júlia ${tag} Araújo` })).toEqual(mine);
    expect(await numbers({ q: `a.${tag}@exam` })).toEqual(mine);
    expect(await numbers({ q: contact.email.toUpperCase() })).toEqual(mine);
    expect(await numbers({ q: digits })).toEqual(mine);
    expect(await numbers({ q: `(11) ${digits.slice(0, 5)}-${digits.slice(5)}` })).toEqual(mine);
    expect(await numbers({ q: `+55 11 ${digits.slice(0, 5)} ${digits.slice(5)}` })).toEqual(mine);
    expect(await numbers({ q: contact.phone })).toEqual(mine);
    expect(await numbers({ q: `julio ${tag}` })).toEqual([]);
    expect((await numbers({ q: 'jul' })).filter((n) => [...mine, stranger.ticketNumber].includes(n))).toEqual([
      stranger.ticketNumber,
      ...mine,
    ]);
    // clients.search keeps to substrings (now by the trigram indexes).
    expect((await agent.clients.search.query({ q: `a.${tag}@exam` })).map((c) => c.email)).toEqual([contact.email]);
    expect((await agent.clients.search.query({ q: `(11) ${digits.slice(0, 5)}-${digits.slice(5)}` })).map((c) => c.email)).toEqual([contact.email]);
  });

  it('finds a subject by stem or substring, and a ticket by number; `#123` is that ticket only', async () => {
    const tag = newWord();
    const contact = uniqueContact('Rui Assunto');
    const refund = await agent.tickets.create.mutate({ subject: `Reembolso do pedido ${tag}`, source: 'email', client: { email: contact.email } });
    const exchange = await agent.tickets.create.mutate({ subject: `Troca ${tag}-77`, source: 'web', client: { email: contact.email } });

    expect(await numbers({ q: `reembolsos ${tag}` })).toEqual([refund.number]);
    expect(await numbers({ q: `bolso do pedido ${tag.slice(0, 4)}` })).toEqual([refund.number]);
    expect(await numbers({ q: `${tag}-77` })).toEqual([exchange.number]);
    expect(await numbers({ q: `#${refund.number}` })).toEqual([refund.number]);
    expect(await numbers({ q: String(exchange.number) })).toContain(exchange.number);
    expect(await numbers({ q: `#${refund.number}`, source: 'web' })).toEqual([]);
  });

  it('pages a search across pages, every match once, newest first, with the other filters', async () => {
    const tag = newWord();
    const contact = uniqueContact(`Paula ${tag}`);
    // Matches by name and subject at once, by name only, by a chat message only, by subject only.
    const created: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ticket = await agent.tickets.create.mutate({ subject: `Pedido ${tag} parte ${i}`, source: 'api', client: { email: contact.email } });
      created.push(ticket.number);
    }
    const byName = await chat(contact, 'Olá, tudo bem?');
    const byMessage = await chat(uniqueContact('Outra Pessoa'), `Quero falar do ${tag}`);
    const bySubject = await agent.tickets.create.mutate({ subject: `Sobre ${tag}`, source: 'email', client: { email: uniqueContact().email } });
    const expected = [...created, byName.ticketNumber, byMessage.ticketNumber, bySubject.number].sort((a, b) => b - a);

    for (const limit of [1, 2, 3, 8, 100]) expect(await allPages({ q: tag }, limit)).toEqual(expected);
    // Each path a candidate set may take gives the same pages: the newest tickets checked one by
    // one (first walk), further as far as the matches found say (second walk), every match from
    // the indexes. Newer tickets that do not match, and walks of 1 to 5 tickets, force each path.
    for (let i = 0; i < 3; i++) await agent.tickets.create.mutate({ subject: 'Outro assunto', source: 'api', client: { email: uniqueContact().email } });
    for (const walk of [1, 2, 5, 1000]) {
      for (const limit of [1, 3]) {
        const seen: number[] = [];
        let beforeNumber: number | undefined;
        for (;;) {
          const rows = await ticketsRepository.listWithClient(db().handle.db, { search: { ...ticketSearchOf(tag), walk }, beforeNumber, limit: limit + 1 });
          seen.push(...rows.slice(0, limit).map((row) => row.number));
          if (rows.length <= limit) break;
          beforeNumber = rows[limit - 1]!.number;
        }
        expect(seen, `walk ${walk}, limit ${limit}`).toEqual(expected);
      }
    }

    await agent.tickets.update.mutate({ id: byMessage.ticketId, status: 'PENDING' });
    const pendingIds = [created[1]!, created[3]!];
    for (const number of pendingIds) {
      const { id } = await agent.tickets.get.query({ number });
      await agent.tickets.update.mutate({ id, status: 'PENDING' });
    }
    const pending = [byMessage.ticketNumber, ...pendingIds].sort((a, b) => b - a);
    expect(await allPages({ q: tag, status: 'PENDING' }, 1)).toEqual(pending);
    expect(await allPages({ q: tag, status: 'PENDING', source: 'api' }, 1)).toEqual(pendingIds.sort((a, b) => b - a));
    expect(await numbers({ q: tag, status: 'CLOSED' })).toEqual([]);

    const { id: assignedId } = await agent.tickets.get.query({ number: created[0]! });
    await agent.tickets.assign.mutate({ id: assignedId, assigneeId: agentId });
    expect(await numbers({ q: tag, assigneeId: 'me' })).toEqual([created[0]]);
    expect(await allPages({ q: tag, assigneeId: 'none' }, 2)).toEqual(expected.filter((n) => n !== created[0]));
    // Unread: only chats have customer messages the agent has not read.
    expect(await numbers({ q: tag, unread: true })).toEqual([byMessage.ticketNumber, byName.ticketNumber].sort((a, b) => b - a));
  });

  it('finds the tickets of many customers alike by each path: one by one, listed, tickets checked one by one, and that walk falling short', async () => {
    const tag = newWord();
    const expected: number[] = [];
    for (let i = 0; i < 4; i++) {
      const email = uniqueContact().email;
      for (let j = 0; j < 2; j++) {
        expected.push((await agent.tickets.create.mutate({ subject: 'Assunto qualquer', source: 'api', client: { email, name: `Cora ${tag} ${i}` } })).number);
        await agent.tickets.create.mutate({ subject: 'Outro assunto', source: 'api', client: { email: uniqueContact().email } });
      }
    }
    expected.sort((a, b) => b - a);
    const paths = [
      { oneByOne: 200, listed: 5000, walk: 8000 },
      { oneByOne: 1, listed: 100, walk: 8000 },
      { oneByOne: 1, listed: 2, walk: 8000 },
      { oneByOne: 1, listed: 2, walk: 1 },
    ];
    for (const customerSteps of paths) {
      for (const limit of [1, 3, 100]) {
        const seen: number[] = [];
        let beforeNumber: number | undefined;
        for (;;) {
          const search = { ...ticketSearchOf(`cora ${tag}`), customerSteps };
          const rows = await ticketsRepository.listWithClient(db().handle.db, { search, beforeNumber, limit: limit + 1 });
          seen.push(...rows.slice(0, limit).map((row) => row.number));
          if (rows.length <= limit) break;
          beforeNumber = rows[limit - 1]!.number;
        }
        expect(seen, `${JSON.stringify(customerSteps)}, limit ${limit}`).toEqual(expected);
      }
    }
    // Inside a caller's transaction the sets are savepoints on its connection: the same page.
    const inTransaction = await db().handle.db.transaction((tx) =>
      ticketsRepository.listWithClient(tx, { search: ticketSearchOf(`cora ${tag}`), limit: 100 }),
    );
    expect(inTransaction.map((row) => row.number)).toEqual(expected);
  });

  it('answers the same over REST (GET /api/v1/tickets?q=)', async () => {
    const tag = newWord();
    const contact = uniqueContact(`Rosa ${tag}`);
    const started = await chat(contact, `Meu boleto ${tag} venceu`);
    const answer = await fetch(`${node().url}/api/v1/tickets?${new URLSearchParams({ q: `boletos ${tag}`, status: 'OPEN' })}`, {
      headers: { Authorization: `Bearer ${agentToken}` },
    });
    expect(answer.status).toBe(200);
    const page = (await answer.json()) as { items: Array<{ number: number }>; nextCursor: string | null };
    expect(page.items.map((t) => t.number)).toEqual([started.ticketNumber]);
    expect(page.nextCursor).toBeNull();
  });

  it('finds nothing of a customer after clients.erase: not the name, e-mail, phone nor what was said', async () => {
    const tag = newWord();
    const said = newWord();
    const contact = { ...uniqueContact(`Zoraide ${tag}`), email: `zoraide.${tag}@example.com` };
    const started = await chat(contact, `Minha encomenda ${said} sumiu`);
    await agent.tickets.reply.mutate({ id: started.ticketId, body: `Olá ${contact.name}, vamos ver a encomenda`, clientMsgId: newClientMsgId() });
    const digits = contact.e164.slice(-9);
    const searches = [`zoraide ${tag}`, tag, `e.${tag}@exam`, digits, `(11) ${digits.slice(0, 6)}`, said, `encomenda ${said}`];
    for (const q of searches) expect(await numbers({ q }), q).toEqual([started.ticketNumber]);

    await admin.clients.erase.mutate({ id: started.ref.clientId });

    for (const q of searches) expect(await numbers({ q }), q).toEqual([]);
    expect(await agent.clients.search.query({ q: tag })).toEqual([]);
  });
});

describeOnPostgres('search: a burst of searches leaves the pool to chats', (db) => {
  const adminToken = newAdminToken();
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });

  it('ten searches stuck behind a lock hold at most four connections: the node still reaches its database, and every search answers once the lock goes', async () => {
    const agent = agentClient(node().url, adminToken);
    const created = await agent.tickets.create.mutate({ subject: 'Pedido 482913', source: 'api', client: { email: uniqueContact().email } });
    const sql = postgres(db().url!, { max: 2, onnotice: () => {} });
    let releaseLock!: () => void;
    const lockReleased = new Promise<void>((resolve) => (releaseLock = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    try {
      const holding = sql.begin(async (tx) => {
        await tx`lock table tickets in access exclusive mode`;
        locked();
        await lockReleased;
      });
      await lockTaken;
      // A number, a subject word and a phone's digits: four candidate sets each, forty statements.
      const searches = Array.from({ length: 10 }, () => agent.tickets.list.query({ q: '482913' }));
      // A search's sets are the statements that open with a parenthesis (ticketSearch.ts); others
      // (an automation categorizing the new ticket, say) may wait on the lock too.
      await untilLockWaiters(sql, 4, '(');

      // The readiness check pings the database through the node's pool (8 connections here).
      const ready = await Promise.race([
        fetch(`${node().url}/readyz`).then((response) => response.status),
        new Promise<string>((resolve) => setTimeout(resolve, 10_000, 'no answer while the searches waited')),
      ]);
      expect(ready).toBe(200);
      expect(await lockWaiters(sql, '(')).toBe(4);

      releaseLock();
      await holding;
      for (const page of await Promise.all(searches)) expect(page.items.map((t) => t.number)).toContain(created.number);
    } finally {
      releaseLock();
      await sql.end();
    }
  });
});
