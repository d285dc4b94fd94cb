import { ilike, like, or, sql, type SQL } from 'drizzle-orm';
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
  /** The text as typed, for word search: Portuguese stems, accents ignored. */
  text: string;
  /** Its words (letters and digits), for names: each a prefix, accents ignored. */
  words: string[];
  /** The text again when it holds 3 characters in a row a trigram index can use: a substring to find. */
  fragment: string | null;
  /** The digits of a phone number as typed (`(11) 98765`), 4 or more: a substring of the E.164 phone. */
  phoneDigits: string | null;
}

/** One candidate set: tickets matching `match`, which reads `clients` when `joinsClient`. */
export interface SearchBranch {
  match: SQL;
  joinsClient: boolean;
}

// Written exactly as the indexes' expressions, so the planner recognises them.
const subjectWords = sql`to_tsvector('portuguese_unaccent', ${tickets.subject})`;
const messageWords = sql`to_tsvector('portuguese_unaccent', ${chatMessages.body})`;
const nameWords = sql`to_tsvector('simple_unaccent', ${clients.name})`;

/**
 * A customer whose name has a word starting with each of these, accents and case ignored
 * (`joa sil` finds "João da Silva"), by clients_name_search_idx. The words hold only letters
 * and digits (services/searchTerms.ts), so `word:*` needs no escaping.
 */
function nameHasWordsStartingWith(words: string[]): SQL {
  return sql`${nameWords} @@ to_tsquery('simple_unaccent', ${words.map((word) => `${word}:*`).join(' & ')})`;
}

/** A customer's name (words by prefix, or a substring), e-mail (a substring) or phone (some of its digits). */
export function customerMatch(search: Pick<TicketSearch, 'words' | 'fragment' | 'phoneDigits'>): SQL | undefined {
  const { words, fragment, phoneDigits } = search;
  return or(
    words.length > 0 ? nameHasWordsStartingWith(words) : undefined,
    // clients_name_trgm_idx, clients_email_trgm_idx (an e-mail holds no space)
    fragment ? ilike(clients.name, likePattern(fragment)) : undefined,
    fragment && !/\s/.test(fragment) ? ilike(clients.email, likePattern(fragment)) : undefined,
    // clients_phone_trgm_idx
    phoneDigits ? like(clients.phone, likePattern(phoneDigits)) : undefined,
  );
}

/**
 * The candidate sets of a search, one per table it reads. The caller walks each newest first
 * under the list's other filters and cursor, keeps the first page of each, and pages through
 * their union: the first page of the union is within the union of the first pages. Each set
 * is its own query so the planner picks per set between its search index (few matches) and
 * walking tickets by number with the match as a filter (many matches, a page found early).
 */
export function ticketSearchBranches(search: TicketSearch): SearchBranch[] {
  const branches: SearchBranch[] = [];
  if (search.number !== null) branches.push({ match: sql`${tickets.number} = ${search.number}`, joinsClient: false });
  if (search.numberOnly) return branches;
  const hasWords = search.words.length > 0;
  const subject = or(
    // tickets_subject_search_idx
    hasWords ? sql`${subjectWords} @@ plainto_tsquery('portuguese_unaccent', ${search.text})` : undefined,
    // tickets_subject_trgm_idx
    search.fragment ? ilike(tickets.subject, likePattern(search.fragment)) : undefined,
  );
  if (subject) branches.push({ match: subject, joinsClient: false });
  const customer = customerMatch(search);
  if (customer) branches.push({ match: customer, joinsClient: true });
  if (hasWords) {
    // chat_sessions_ticket_idx, then chat_messages_body_search_idx (or, walking tickets, the
    // session's messages by chat_messages_session_seq_key). Notes are not chat messages.
    branches.push({
      match: sql`exists (select 1 from ${chatSessions} inner join ${chatMessages} on ${chatMessages.sessionId} = ${chatSessions.id}
        where ${chatSessions.ticketId} = ${tickets.id} and ${messageWords} @@ plainto_tsquery('portuguese_unaccent', ${search.text}))`,
      joinsClient: false,
    });
  }
  return branches;
}
