import type postgres from 'postgres';

/** Seeds 20 agents and `customers` customers, the people the benchmarks' tickets belong to. */
export async function seedAgentsAndCustomers(sql: postgres.Sql, customers: number): Promise<void> {
  await sql`insert into agents (name, email, role, token_hash)
    select 'Agent ' || i, 'agent' || i || '@bench.example', 'agent', md5('agent' || i) from generate_series(1, 20) i`;
  await sql`insert into clients (email, name, phone, total_tickets)
    select 'c' || i || '@bench.example', 'Customer ' || i, '+55119' || lpad(i::text, 8, '0'), 5
    from generate_series(1, ${customers}::int) i`;
}
