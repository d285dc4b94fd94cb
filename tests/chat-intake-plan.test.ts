import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chatIntakeRepository, type VisitorIntake } from '../server/repositories/chatIntake.js';
import { customersRepository } from '../server/repositories/customers.js';
import { describeOnPostgres } from './support/databases.js';
import { fullScans } from '../scripts/bench/lib/queryPlans.js';
import { genericPlans, indexesOf, statementOf } from './support/genericPlans.js';

/** A visitor's start as the intake statement takes it. */
function visitorIntake(contact = { email: 'plano@example.com', phone: '+5511988887777' }): VisitorIntake {
  return {
    records: {
      ticketId: randomUUID(),
      subject: 'Chat iniciado - Plano',
      description: 'Chat iniciado em 02/12/2026 10:00',
      category: 'Chat Support',
      sessionId: randomUUID(),
      userName: 'Plano',
      userEmail: contact.email,
      userPhone: contact.phone,
      locale: 'pt-BR',
      resumeTokenHash: 'hash',
      verified: false,
      lastSeq: 0,
      offline: false,
      customerMessages: 0,
      eventData: {},
    },
    contact: { ...contact, name: 'Plano' },
    firstMessage: null,
    createdEvent: {},
    messageEvent: null,
  };
}

/**
 * The visitors' intake statement finds each customer through the unique keys, whatever the
 * planner believes of the trigram indexes (which answer `=` too). Until a vacuum has counted a
 * GIN index's entries the planner takes it as nearly free, and a lookup written as one
 * `email = … or phone = …` became a bitmap OR of the trigram indexes: a millisecond a start on a
 * young database (never vacuumed).
 */
describeOnPostgres('the chat intake statement\'s plan', (db) => {
  let sql: postgres.Sql;
  beforeAll(async () => {
    sql = postgres(db().url!, { max: 1, onnotice: () => {} });
    await sql`set plan_cache_mode = force_generic_plan`;
  });
  afterAll(() => sql.end());

  it('reads customers by clients_email_key and clients_phone_key, never a trigram index, on a table never vacuumed', async () => {
    await sql`insert into clients (email, name, phone, total_tickets)
      select 'plano.' || md5(g::text) || '@example.com', 'Cliente Plano', '+55117' || lpad(g::text, 8, '0'), 1 from generate_series(1, 1500) g`;
    const plans = genericPlans(sql);
    const statement = await statementOf(sql, (ex) => chatIntakeRepository.openForVisitors(ex, [visitorIntake()]));
    await plans.prepare('intake', statement);
    const indexes = indexesOf(await plans.explain('intake', statement, false));
    expect(indexes).toEqual(expect.arrayContaining(['clients_email_key', 'clients_phone_key']));
    expect(indexes.filter((name) => name.includes('trgm'))).toEqual([]);
  });

  it('so does the lookup of a verified start or the offline form (in a transaction: prepared too)', async () => {
    const plans = genericPlans(sql);
    const statement = await statementOf(sql, (ex) =>
      customersRepository.findOrInsertByContact(ex, { email: 'plano.verificado@example.com', phone: '+5511977776666', name: 'Plano' }, 'whenNoneFound'),
    );
    await plans.prepare('verified', statement);
    const indexes = indexesOf(await plans.explain('verified', statement, false));
    expect(indexes).toEqual(expect.arrayContaining(['clients_email_key', 'clients_phone_key']));
    expect(indexes.filter((name) => name.includes('trgm'))).toEqual([]);
  });
});

/**
 * PostgreSQL makes a prepared statement's generic plan on its sixth run and keeps it until the
 * next ANALYZE: a new deployment (or a benchmark) makes the intake's plan on a handful of
 * customers and keeps it for thousands. Every part of it must still read by key then.
 */
describeOnPostgres('the chat intake statement\'s plan made on a handful of customers', (db) => {
  let sql: postgres.Sql;
  const addCustomers = (count: number, tag: string) =>
    sql`insert into clients (email, name, phone, total_tickets)
      select 'small.' || ${tag} || g || '@example.com', 'Cliente', '+55116' || ${tag} || lpad(g::text, 6, '0'), 1 from generate_series(1, ${count}::int) g`;
  beforeAll(async () => {
    sql = postgres(db().url!, { max: 1, onnotice: () => {} });
    await sql`set plan_cache_mode = force_generic_plan`;
  });
  afterAll(() => sql.end());

  it('finds and counts a returning customer by key at a thousand times the customers', async () => {
    await addCustomers(3, '1');
    const plans = genericPlans(sql);
    const returning = { email: 'small.1000001@example.com', phone: '+5511610000001' };
    await plans.prepare('intake', await statementOf(sql, (ex) => chatIntakeRepository.openForVisitors(ex, [visitorIntake(returning)])));
    await addCustomers(3_000, '2');
    const statement = await statementOf(sql, (ex) => chatIntakeRepository.openForVisitors(ex, [visitorIntake(returning)]));
    expect(fullScans(await plans.explain('intake', statement))).toEqual([]);
  });
});
