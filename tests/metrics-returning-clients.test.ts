import { asc, inArray } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { tickets } from '../server/db/schema.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { requestOk, uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';

/**
 * metrics.summary's `returningClients` (customers with a ticket in the range who have more than
 * one ticket created before it ends) is read from `tickets.returning_client`, which ticket
 * creation sets and a merge works out again: each path, then the figure over ranges that hold
 * some of a customer's tickets, against the definition.
 */
describeOnEachDriver('returning customers kept by ticket creation and merges', (db) => {
  const adminToken = newAdminToken();
  const suite = useNodeWithCustomers(db, { ADMIN_TOKEN: adminToken });
  let agent: AgentClient;
  beforeAll(() => {
    agent = agentClient(suite.node().url, adminToken);
  });

  const rowsOf = (ids: string[]) =>
    db().handle.db.select().from(tickets).where(inArray(tickets.id, ids)).orderBy(asc(tickets.createdAt), asc(tickets.number));

  async function chat(contact: ReturnType<typeof uniqueContact>): Promise<ChatStarted> {
    const socket = await suite.customer();
    return requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
  }

  /** The figure over [from, to), and what its definition gives from the customers' tickets. */
  async function expectReturning(from: Date, to: Date) {
    const all = await db().handle.db.select({ clientId: tickets.clientId, createdAt: tickets.createdAt }).from(tickets);
    const active = new Set(all.filter((t) => t.createdAt >= from && t.createdAt < to).map((t) => t.clientId));
    const expected = [...active].filter((id) => all.filter((t) => t.clientId === id && t.createdAt < to).length > 1).length;
    const summary = await agent.metrics.summary.query({ from: from.toISOString(), to: to.toISOString() });
    expect(summary.returningClients, `${from.toISOString()} – ${to.toISOString()}`).toBe(expected);
    return expected;
  }

  it('a chat or a ticket of a customer who had one before is a returning one', async () => {
    const contact = uniqueContact('Volta Sempre');
    const first = await chat(contact);
    const again = await chat(contact);
    const byMail = await agent.tickets.create.mutate({ subject: 'Por e-mail', source: 'email', client: { email: contact.email } });
    const newcomer = await agent.tickets.create.mutate({ subject: 'Novo', source: 'phone', client: { phone: uniqueContact().e164 } });
    const rows = await rowsOf([first.ticketId, again.ticketId, byMail.id, newcomer.id]);
    expect(Object.fromEntries(rows.map((row) => [row.id, row.returningClient]))).toEqual({
      [first.ticketId]: false,
      [again.ticketId]: true,
      [byMail.id]: true,
      [newcomer.id]: false,
    });
    const [a, b, c, d] = rows.map((row) => row.createdAt);
    const after = (date: Date) => new Date(date.getTime() + 1);
    expect(await expectReturning(a!, after(a!))).toBe(0);
    expect(await expectReturning(b!, after(c!))).toBe(1);
    expect(await expectReturning(a!, after(d!))).toBe(1);
  });

  it("after a merge the target's tickets are worked out again by creation time", async () => {
    const older = uniqueContact('Fusao Antiga');
    const newer = uniqueContact('Fusao Nova');
    const sourceTicket = await chat(older);
    const targetTicket = await agent.tickets.create.mutate({ subject: 'Alvo', source: 'api', client: { email: newer.email } });
    const later = await chat(older);
    const before = await rowsOf([sourceTicket.ticketId, targetTicket.id, later.ticketId]);
    expect(before.map((row) => row.returningClient)).toEqual([false, false, true]);

    await agent.clients.merge.mutate({ sourceId: before[0]!.clientId, targetId: targetTicket.client.id });
    const after = await rowsOf([sourceTicket.ticketId, targetTicket.id, later.ticketId]);
    expect(after.map((row) => [row.clientId, row.returningClient])).toEqual([
      [targetTicket.client.id, false],
      [targetTicket.client.id, true],
      [targetTicket.client.id, true],
    ]);
    // The target's own ticket alone in a range: it had the source's older one before.
    const [, target] = after;
    expect(await expectReturning(target!.createdAt, new Date(target!.createdAt.getTime() + 1))).toBe(1);
  });
});
