import type postgres from 'postgres';
import { AREA_CODES, EMAIL_DOMAINS, FIRST_NAMES, SURNAMES } from './portugueseText.js';

/** `hash(i, seed)`: a repeatable pseudo-random non-negative bigint per row and purpose (no pattern to follow `i`). */
export const hashOf = (sql: postgres.Sql, i: postgres.Fragment, seed: number) =>
  sql`(hashint8extended(${i}::bigint, ${seed}) & 9223372036854775807)`;

/**
 * Seeds 20 agents and `customers` customers, the people the benchmarks' tickets belong to:
 * Brazilian names (a third with two surnames), e-mails `first.surname<i>@<provider>`, mobile
 * phones in E.164 (`+55 DD 9XXXX-XXXX`, unique: `i · 7919 mod 10⁸` repeats no number).
 */
export async function seedAgentsAndCustomers(sql: postgres.Sql, customers: number): Promise<void> {
  await sql`insert into agents (name, email, role, token_hash)
    select 'Agent ' || i, 'agent' || i || '@bench.example', 'agent', md5('agent' || i) from generate_series(1, 20) i`;
  const first = (i: number) => sql.array(FIRST_NAMES.map((name) => name[i]!));
  const last = (i: number) => sql.array(SURNAMES.map((name) => name[i]!));
  const pick = (seed: number, count: number) => sql`1 + (${hashOf(sql, sql`i`, seed)} % ${count})::int`;
  await sql`insert into clients (email, name, phone, total_tickets)
    select (${first(1)}::text[])[f] || '.' || (${last(1)}::text[])[s] || i || '@' || (${sql.array(EMAIL_DOMAINS)}::text[])[d],
           (${first(0)}::text[])[f] || ' ' || (${last(0)}::text[])[s] || case when i % 3 = 0 then ' ' || (${last(0)}::text[])[s2] else '' end,
           '+55' || (${sql.array(AREA_CODES)}::text[])[a] || '9' || lpad(((i::bigint * 7919) % 100000000)::text, 8, '0'),
           5
    from generate_series(1, ${customers}::int) i,
         lateral (select ${pick(1, FIRST_NAMES.length)} as f, ${pick(2, SURNAMES.length)} as s, ${pick(3, SURNAMES.length)} as s2,
                         ${pick(4, EMAIL_DOMAINS.length)} as d, ${pick(5, AREA_CODES.length)} as a) picked`;
}
