import type postgres from 'postgres';
import type { TicketListInput } from '../../../shared/agentSchemas.js';
import { indexesRead, planOutline, type StatementPlan } from '../lib/queryPlans.js';

export interface SearchCase {
  name: string;
  input: Partial<TicketListInput>;
  /** How much of the data the text matches, for the reader to judge the selectivity. */
  matches: string;
}

/**
 * The searches an agent types into the console (PROTOCOL §11), taken from the seeded data: a
 * customer's full name and first name, a fragment of their e-mail, their phone as people
 * write it in part, and message words from common to one-of-a-kind (an order number).
 */
export async function searchCases(sql: postgres.Sql, middleNumber: number): Promise<SearchCase[]> {
  const [customer] = await sql<Array<{ name: string; email: string; phone: string }>>`
    select c.name, c.email, c.phone from tickets t join clients c on c.id = t.client_id where t.number = ${middleNumber}`;
  const [order] = await sql<Array<{ number: string }>>`
    select substring(body from '\\d{6}') as number from chat_messages where body ~ '\\d{6}' order by session_id limit 1`;
  const { name, email, phone } = customer!;
  // first.surname123@provider → surname123; +55 DD 9XXXX-XXXX → "(DD) 9XXXX" and the last six digits.
  const emailFragment = email.split('@')[0]!.split('.')[1]!;
  const phoneTyped = `(${phone.slice(3, 5)}) ${phone.slice(5, 10)}`;
  const phoneDigits = phone.slice(-6);
  const firstName = name.split(' ')[0]!;

  const clientsMatching = async (where: postgres.Fragment) => {
    const [row] = await sql<Array<{ clients: number; tickets: number }>>`
      select count(distinct c.id)::int as clients, count(t.id)::int as tickets from clients c join tickets t on t.client_id = c.id where ${where}`;
    return `${row!.clients.toLocaleString('en-US')} customers, ${row!.tickets.toLocaleString('en-US')} tickets`;
  };
  const messagesMatching = async (text: string) => {
    const [row] = await sql<Array<{ messages: number; tickets: number }>>`
      select count(*)::int as messages, count(distinct s.ticket_id)::int as tickets from chat_messages m join chat_sessions s on s.id = m.session_id
      where to_tsvector('portuguese_unaccent', m.body) @@ plainto_tsquery('portuguese_unaccent', ${text})`;
    return `${row!.messages.toLocaleString('en-US')} messages in ${row!.tickets.toLocaleString('en-US')} tickets`;
  };
  const words = (text: string) => sql`c.name_search @@ to_tsquery('simple_unaccent', ${text.split(' ').map((w) => `${w}:*`).join(' & ')})`;

  return [
    { name: 'q=name', input: { q: name }, matches: `"${name}": ${await clientsMatching(words(name))}` },
    { name: 'q=first name', input: { q: firstName }, matches: `"${firstName}": ${await clientsMatching(words(firstName))}` },
    { name: 'q=e-mail fragment', input: { q: emailFragment }, matches: `"${emailFragment}": ${await clientsMatching(sql`c.email like ${`%${emailFragment}%`}`)}` },
    { name: 'q=e-mail', input: { q: email }, matches: `"${email}": ${await clientsMatching(sql`c.email = ${email}`)}` },
    {
      name: 'q=phone fragment (typed)',
      input: { q: phoneTyped },
      matches: `"${phoneTyped}": ${await clientsMatching(sql`c.phone like ${`%${phone.slice(3, 10)}%`}`)}`,
    },
    { name: 'q=phone fragment (digits)', input: { q: phoneDigits }, matches: `"${phoneDigits}": ${await clientsMatching(sql`c.phone like ${`%${phoneDigits}%`}`)}` },
    { name: 'q=message word, common', input: { q: 'entrega' }, matches: `"entrega": ${await messagesMatching('entrega')}` },
    { name: 'q=message word, product', input: { q: 'cafeteira' }, matches: `"cafeteira": ${await messagesMatching('cafeteira')}` },
    { name: 'q=message word, city', input: { q: 'Curitiba' }, matches: `"Curitiba": ${await messagesMatching('Curitiba')}` },
    { name: 'q=message word, rare', input: { q: 'extraviada' }, matches: `"extraviada": ${await messagesMatching('extraviada')}` },
    { name: 'q=order number (in messages)', input: { q: order!.number }, matches: `"${order!.number}": ${await messagesMatching(order!.number)}` },
    { name: 'q=message word status=OPEN', input: { q: 'cafeteira', status: 'OPEN' }, matches: '"cafeteira", open tickets only' },
  ];
}

/** The plans of the searches, for BENCHMARKS.md: what each matched, the indexes each read, and the EXPLAIN ANALYZE trees. */
export function searchPlansSection(searches: Array<SearchCase & { plans: StatementPlan[] }>): string {
  const lines = searches.map(({ name, matches, plans }) => {
    const read = plans.map((p) => [...indexesRead(p.plan)].join(', ')).join('; ');
    const timing = plans.map((p) => `${p.executionMs.toFixed(1)} ms${p.jit ? ', JIT' : ''}`).join('; ');
    return `- **${name}** — ${matches}. Reads ${read} (executed in ${timing}).`;
  });
  const trees = searches.map(({ name, input, plans }) =>
    [`${name} — q=${JSON.stringify(input.q)}${input.status ? ` status=${input.status}` : ''}`, ...plans.flatMap((p) => planOutline(p.plan))].join('\n'),
  );
  return [
    'What each search matched and the indexes its plan read (`walked`: newest first by number, stopping at a page; `bitmap`: every match, then sorted; `probed`: once per row of a loop):',
    '',
    ...lines,
    '',
    '<details><summary>EXPLAIN ANALYZE of each search</summary>',
    '',
    '```',
    trees.join('\n\n'),
    '```',
    '',
    '</details>',
  ].join('\n');
}
