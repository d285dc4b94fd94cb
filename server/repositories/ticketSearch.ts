import { and, ilike, like, lt, or, sql, type SQL } from 'drizzle-orm';
import { likePattern } from '../db/likePattern.js';
import { chatMessages, chatSessions, clients, tickets } from '../db/schema.js';

/**
 * What a search text asks for (PROTOCOL §11), decided by the service (services/searchTerms.ts);
 * each part is answered by its own index (drizzle/0009_search.sql).
 */
export interface TicketSearch {
  /** `#123` or a bare number: that ticket (tickets_number_key). */
  number: number | null;
  /** `#123`: nothing but that number is looked for. */
  numberOnly: boolean;
  /** The text as typed, for word search in subjects and chat messages: Portuguese stems, accents ignored. */
  text: string;
  /** Whether the text has any word for that search to find. */
  hasWords: boolean;
  /** The text, when it holds 3 characters in a row a trigram index can use: a substring of the subject to find. */
  fragment: string | null;
  /** Words (letters and digits) to find in customer names, each a prefix, accents ignored. */
  nameWords: string[];
  /** A substring of customer names to find. */
  nameFragment: string | null;
  /** A substring of customer e-mails to find. */
  emailFragment: string | null;
  /** The digits of a phone number as typed (`(11) 98765`), 4 or more: a substring of the E.164 phone. */
  phoneDigits: string | null;
  /** How many tickets to check one by one before the indexes; SEARCH_WALK unless a test wants either path. */
  walk?: number;
  /** The customers branch's thresholds (see customersPage); the defaults unless a test wants each path. */
  customerSteps?: CustomerSteps;
}

export interface CustomerSteps {
  /** Up to this many customers found, each one's newest tickets are read. */
  oneByOne: number;
  /** Up to this many, they are listed and the newest tickets walked for theirs. */
  listed: number;
  /** Past it, how many of the newest tickets are checked one by one before listing them after all. */
  walk: number;
}

/**
 * How many of the newest tickets under the list's filters a search first checks one by one for a
 * page of matches. A text in more than a few tickets in this many fills its page there, or
 * further on as far as what it found says a page takes (up to SEARCH_WALK_MAX); a rarer one
 * is looked up in its indexes. Measured at 1M tickets / 5M messages (BENCHMARKS.md): checking a
 * ticket costs ~10 µs, fetching a match from an index up to ~100 µs.
 */
export const SEARCH_WALK = 1000;
export const SEARCH_WALK_MAX = 8000;

// The word vectors: stored generated columns (drizzle/0009_search.sql, 0014_client_name_words.sql),
// kept out of the Drizzle model so no `select()` of a ticket, message or customer carries them.
const subjectWords = sql`${tickets}.subject_search`;
const messageWords = sql`${chatMessages}.body_search`;
const nameWords = sql`${clients}.name_search`;

/**
 * A customer whose name has a word starting with each of these, accents and case ignored
 * (`joa sil` finds "João da Silva"), by clients_name_search_idx. The words hold only letters
 * and digits (services/searchTerms.ts), so `word:*` needs no escaping.
 */
function nameHasWordsStartingWith(words: string[]): SQL {
  return sql`${nameWords} @@ to_tsquery('simple_unaccent', ${words.map((word) => `${word}:*`).join(' & ')})`;
}

/** A customer's name (words by prefix, or a substring), e-mail (a substring) or phone (some of its digits). */
function customerMatch(search: TicketSearch): SQL | undefined {
  return or(
    search.nameWords.length > 0 ? nameHasWordsStartingWith(search.nameWords) : undefined,
    // clients_name_trgm_idx, clients_email_trgm_idx, clients_phone_trgm_idx
    search.nameFragment ? ilike(clients.name, likePattern(search.nameFragment)) : undefined,
    search.emailFragment ? ilike(clients.email, likePattern(search.emailFragment)) : undefined,
    search.phoneDigits ? like(clients.phone, likePattern(search.phoneDigits)) : undefined,
  );
}

/** A ticket matches by its subject or by one of its chat messages (never its notes). */
interface Matcher {
  /** The condition on a row of `tickets`, checked on each ticket walked. */
  match: SQL;
  /**
   * From the indexes, unordered, the `id, number` of every matching ticket under the filters
   * (or enough of them to hold the first `limit`): its cost is the number of matches.
   */
  every: (filters: SQL | undefined, limit: number | undefined) => SQL;
  /** The only tickets that can match, when fewer than all: a walk reads just those, by their index. */
  among?: SQL;
  /** What checking one of those costs against a ticket of the subject's walk: its walks are that much shorter. */
  walkCost?: number;
}

function subjectMatcher(search: TicketSearch, words: SQL | undefined): Matcher | undefined {
  const match = or(
    // tickets_subject_search_idx
    words ? sql`${subjectWords} @@ ${words}` : undefined,
    // tickets_subject_trgm_idx
    search.fragment ? ilike(tickets.subject, likePattern(search.fragment)) : undefined,
  );
  if (!match) return undefined;
  // OFFSET 0 keeps the planner from answering a LIMIT above by walking every ticket.
  return { match, every: (filters) => sql`select ${tickets.id} as id, ${tickets.number} as number from ${tickets} where ${and(filters, match)} offset 0` };
}

/**
 * Up to `oneByOne` customers found, each one's newest tickets are read; up to `listed`, the
 * newest tickets whose customer is one of them. Past that, listing them all (~1.4 µs a
 * customer) costs more than checking the customer of each of the newest tickets (~2.3 µs a
 * ticket; at that share a page is within ~26 / share of them), up to `walk` tickets. Measured at
 * 1M tickets and 200,000 customers (BENCHMARKS.md §4).
 */
const CUSTOMER_STEPS: CustomerSteps = { oneByOne: 200, listed: 5000, walk: 8000 };

/**
 * The first page of the tickets of the customers a search finds, under the filters. The
 * customers first (BitmapOr of their indexes), up to `listed` of them (CUSTOMER_STEPS); then
 * - when they are few, each one's newest tickets (tickets_client_number_idx);
 * - when more, the newest tickets under the filters whose customer is one of them: a walk the
 *   share of them keeps short (`IS TRUE` keeps the IN a hashed subplan: as a semi-join the
 *   planner looped over them per ticket);
 * - when too many to list (a short fragment like "ana" is in every tenth name), the newest
 *   tickets checked one by one, their customer by primary key: a share that large fills a page
 *   within a few hundred. If `walk` of them do not (other filters leave few), every customer
 *   found is listed and walked for as above.
 */
function customersPage(search: TicketSearch, filters: SQL | undefined, limit: number | undefined): SQL | undefined {
  const customer = customerMatch(search);
  if (!customer) return undefined;
  const everyCustomer = sql`select ${clients.id} from ${clients} where ${customer}`;
  if (limit === undefined) return sql`(select ${tickets.id} as id from ${tickets} where ${and(filters, sql`${tickets.clientId} in (${everyCustomer})`)})`;
  const steps = search.customerSteps ?? CUSTOMER_STEPS;
  const found = sql`(select count(*) from found)`;
  const newestOf = (customers: SQL, when: SQL) =>
    sql`(select ${tickets.id}, ${tickets.number} from ${tickets} where ${and(filters, sql`(${tickets.clientId} in (${customers})) is true`, when)}
      order by ${tickets.number} desc limit ${limit})`;
  // OFFSET 0: planned without the LIMIT, which would make a sequential scan of customers look cheap.
  return sql`(with found as materialized (select client_id from (select ${clients.id} as client_id from ${clients} where ${customer} offset 0) customers
        limit ${steps.listed + 1}),
      walked as materialized (select id, number from (select * from ${tickets} where ${filters ?? sql`true`}
          order by ${tickets.number} desc limit ${steps.walk}) ${tickets}
        where ${found} > ${steps.listed} and exists (select 1 from ${clients} where ${clients.id} = ${tickets.clientId} and ${customer})
        order by number desc limit ${limit})
    select id from (
      (select page.id, page.number from found cross join lateral (select ${tickets.id} as id, ${tickets.number} as number from ${tickets}
        where ${and(sql`${tickets.clientId} = found.client_id`, filters)} order by ${tickets.number} desc limit ${limit}) page
        where ${found} <= ${steps.oneByOne})
      union all
      ${newestOf(sql`select client_id from found`, sql`${found} between ${steps.oneByOne + 1} and ${steps.listed}`)}
      union all
      (select id, number from walked where (select count(*) from walked) = ${limit})
      union all
      ${newestOf(everyCustomer, sql`${found} > ${steps.listed} and (select count(*) from walked) < ${limit}`)}
    ) tickets_found order by number desc limit ${limit})`;
}

function messageMatcher(words: SQL): Matcher {
  return {
    // Sessions are opened by chat:start, whose ticket is a chat's, and continued on the same
    // ticket (a ticket's source never changes): a fifth of the tickets here, each probed for its
    // session, and checking a chat's messages costs about four tickets' subjects.
    among: sql`${tickets.source} = 'chat'`,
    walkCost: 4,
    // chat_sessions_ticket_idx, then the session's messages by chat_messages_session_seq_key
    match: sql`exists (select 1 from ${chatSessions} inner join ${chatMessages} on ${chatMessages.sessionId} = ${chatSessions.id}
      where ${chatSessions.ticketId} = ${tickets.id} and ${messageWords} @@ ${words})`,
    // chat_messages_body_search_idx; then, per message found, its session and its ticket by
    // primary key (subqueries, so no join reads every session to hash them).
    every: (filters) => sql`select t.id, t.number from (select distinct (select ${chatSessions.ticketId} from ${chatSessions}
        where ${chatSessions.id} = ${chatMessages.sessionId}) as ticket_id from ${chatMessages} where ${messageWords} @@ ${words}) found
      cross join lateral (select ${tickets.id} as id, ${tickets.number} as number from ${tickets}
        where ${and(sql`${tickets.id} = found.ticket_id`, filters)}) t`,
  };
}

/**
 * The first page (newest first) of the tickets under `filters` that match, in steps each of
 * bounded cost whatever the planner would guess of how common the text is: the newest
 * SEARCH_WALK tickets checked one by one; if that found some but not a page, further, as far as
 * their share says a page takes (at most SEARCH_WALK_MAX); if still short, every match from the
 * indexes. An ORDER BY … LIMIT over every ticket is never left to the planner: when it thinks a
 * text common it walks all tickets looking for it, seconds for a rare one (seen at 1M tickets).
 */
function pageOfMatches(filters: SQL | undefined, matcher: Matcher, limit: number | undefined, walkTickets: number): SQL {
  if (limit === undefined) return sql`(select id from (${matcher.every(filters, undefined)}) every_match)`;
  const cost = matcher.walkCost ?? 1;
  const walk = Math.max(1, Math.round(walkTickets / cost));
  const walkMax = Math.round(SEARCH_WALK_MAX / cost);
  const among = and(filters, matcher.among) ?? sql`true`;
  // The newest `budget` tickets under the filters that may match (numbered below `below`, when
  // given), named as the table so the match reads their columns; a subquery with a LIMIT is
  // finished before the match runs on its rows.
  const walked = (budget: SQL, wanted: SQL, below?: SQL) => sql`select id, number from (select * from ${tickets}
    where ${below ? and(among, lt(tickets.number, below)) : among} order by ${tickets.number} desc limit ${budget}) ${tickets}
    where ${matcher.match} order by number desc limit ${wanted}`;
  // Found w of a page in `walk` tickets: a page takes about walk · limit / w of them (half again
  // for luck); past SEARCH_WALK_MAX the text is rare enough for its index. The second walk goes
  // on from where the first stopped.
  const found = sql`(select count(*) from first_walk)`;
  const further = sql`(case when ${found} between 1 and ${limit - 1} and ceil(1.5 * ${limit} * ${walk} / ${found}) <= ${walkMax}
    then ceil(1.5 * ${limit} * ${walk} / ${found})::int - ${walk} else 0 end)`;
  const firstStop = sql`coalesce((select ${tickets.number} from ${tickets} where ${among} order by ${tickets.number} desc offset ${walk - 1} limit 1), 0)`;
  return sql`(with first_walk as materialized (${walked(sql`${walk}`, sql`${limit}`)}),
      second_walk as materialized (${walked(further, sql`${limit} - ${found}`, firstStop)})
    select id from first_walk
    union all
    select id from second_walk
    union all
    (select id from (${matcher.every(filters, limit)}) every_match
      where ${found} + (select count(*) from second_walk) < ${limit}
      order by number desc limit ${limit}))`;
}

/**
 * The candidate sets of a search under the list's other filters and cursor (`filters`, on
 * `tickets`), each a statement answering `id`s: the number, subjects, chat messages, customers,
 * each its own first page newest first, so the page the list shows is within their union. Each
 * is a statement of its own so they can run at once, on connections of their own.
 */
export function searchCandidateSets(search: TicketSearch, filters: SQL | undefined, limit: number | undefined): SQL[] {
  const sets: SQL[] = [];
  if (search.number !== null) {
    sets.push(sql`(select ${tickets.id} as id from ${tickets} where ${and(filters, sql`${tickets.number} = ${search.number}`)})`);
  }
  if (!search.numberOnly) {
    const words = search.hasWords ? sql`plainto_tsquery('portuguese_unaccent', ${search.text})` : undefined;
    for (const matcher of [subjectMatcher(search, words), words ? messageMatcher(words) : undefined]) {
      if (matcher) sets.push(pageOfMatches(filters, matcher, limit, search.walk ?? SEARCH_WALK));
    }
    const customers = customersPage(search, filters, limit);
    if (customers) sets.push(customers);
  }
  return sets;
}
