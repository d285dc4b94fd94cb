import { randomUUID } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Executor } from '../server/db/client.js';
import { chatIntakeRepository, type VisitorIntake } from '../server/repositories/chatIntake.js';
import { describeOnPostgres } from './support/databases.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** The indexes a plan reads, by name. */
function indexesOf(node: PlanNode, found: string[] = []): string[] {
  if (node['Index Name']) found.push(node['Index Name']);
  for (const child of node.Plans ?? []) indexesOf(child, found);
  return found;
}

/** The intake statement for one visitor's start, as the node sends it: its text and parameters. */
async function intakeStatement(): Promise<{ sql: string; params: unknown[] }> {
  let captured: { sql: string; params: unknown[] } | undefined;
  const capturing = { execute: async (query: SQL) => ((captured = new PgDialect().sqlToQuery(query)), []) } as unknown as Executor;
  const intake: VisitorIntake = {
    records: {
      ticketId: randomUUID(),
      subject: 'Chat iniciado - Plano',
      description: 'Chat iniciado em 02/12/2026 10:00',
      category: 'Chat Support',
      sessionId: randomUUID(),
      userName: 'Plano',
      userEmail: 'plano@example.com',
      userPhone: '+5511988887777',
      locale: 'pt-BR',
      resumeTokenHash: 'hash',
      verified: false,
      lastSeq: 0,
      offline: false,
      customerMessages: 0,
      eventData: {},
    },
    contact: { email: 'plano@example.com', phone: '+5511988887777', name: 'Plano' },
    firstMessage: null,
    createdEvent: {},
    messageEvent: null,
  };
  await chatIntakeRepository.openForVisitors(capturing, [intake]).catch(() => undefined); // it answers nothing: the rows are not checked here
  if (!captured) throw new Error('the intake statement was not sent');
  return captured;
}

const literal = (value: unknown) => (typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`);

/**
 * The visitors' intake statement finds each customer through the unique keys, whatever the
 * planner believes of the trigram indexes (which answer `=` too). Until a vacuum has counted a
 * GIN index's entries the planner takes it as nearly free, and a lookup written as one
 * `email = … or phone = …` became a bitmap OR of the trigram indexes: a millisecond a start on a
 * young database (never vacuumed), growing with the index's pending list.
 */
describeOnPostgres('the chat intake statement\'s plan', (db) => {
  let sql: postgres.Sql;
  beforeAll(() => {
    sql = postgres(db().url!, { max: 1, onnotice: () => {} });
  });
  afterAll(() => sql.end());

  it('reads customers by clients_email_key and clients_phone_key, never a trigram index, on a table never vacuumed', async () => {
    await sql`insert into clients (email, name, phone, total_tickets)
      select 'plano.' || md5(g::text) || '@example.com', 'Cliente Plano', '+55117' || lpad(g::text, 8, '0'), 1 from generate_series(1, 1500) g`;
    const statement = await intakeStatement();
    await sql.unsafe(`prepare intake as ${statement.sql}`);
    await sql`set plan_cache_mode = force_generic_plan`;
    const [row] = await sql.unsafe(`explain (format json) execute intake(${statement.params.map(literal).join(', ')})`);
    const plan = (row!['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan;
    const indexes = indexesOf(plan);
    expect(indexes).toEqual(expect.arrayContaining(['clients_email_key', 'clients_phone_key']));
    expect(indexes.filter((name) => name.includes('trgm'))).toEqual([]);
  });
});
