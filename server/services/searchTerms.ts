import type { TicketSearch } from '../repositories/ticketSearch.js';

// Fewer digits than this match nearly every phone number.
const PHONE_DIGITS_MIN = 4;
// Words past these are ignored: a search box is not a document.
const WORDS_MAX = 8;
const WORD_MAX = 40;

/** The digits of a phone number as a person types one (`+55 (11) 98765-4321`, `98765`), or null. */
export function phoneDigitsOf(q: string): string | null {
  const digits = q.replace(/\D/g, '');
  return digits.length >= PHONE_DIGITS_MIN && /^[\d\s()+.-]+$/.test(q) ? digits : null;
}

/** Letters and digits in runs, as the text-search parser splits words (accents composed first). */
function wordsOf(q: string): string[] {
  return (q.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, WORDS_MAX).map((word) => word.slice(0, WORD_MAX));
}

/**
 * What `tickets.list { q }` looks for (PROTOCOL §11): `#123` is that ticket only; otherwise a
 * bare number is also a ticket number, the words are looked for in subjects and chat messages
 * (Portuguese stems, accents ignored) and as prefixes of customer names, the text as a
 * substring of subjects, names and e-mails, and phone-like digits inside phone numbers. Parts
 * that cannot match are left out, so their indexes are not read: a name has letters and no `@`,
 * an e-mail no space.
 */
export function ticketSearchOf(q: string): TicketSearch {
  const hashed = /^#(\d{1,9})$/.exec(q)?.[1];
  const nothing = { text: '', hasWords: false, fragment: null, nameWords: [], nameFragment: null, emailFragment: null, phoneDigits: null };
  if (hashed) return { number: Number(hashed), numberOnly: true, ...nothing };
  const words = wordsOf(q);
  // A trigram index needs three characters in a row to look anything up.
  const fragment = /[\p{L}\p{N}]{3}/u.test(q) ? q : null;
  const nameLike = /\p{L}/u.test(q) && !q.includes('@');
  return {
    number: /^\d{1,9}$/.test(q) ? Number(q) : null,
    numberOnly: false,
    text: q,
    hasWords: words.length > 0,
    fragment,
    nameWords: nameLike ? words : [],
    nameFragment: nameLike ? fragment : null,
    emailFragment: /\s/.test(q) ? null : fragment,
    phoneDigits: phoneDigitsOf(q),
  };
}
