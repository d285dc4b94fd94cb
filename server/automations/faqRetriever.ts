import MiniSearch from 'minisearch';
import { foldText, words } from '../../shared/text.js';

export interface FaqEntry {
  question: string;
  answer: string;
}

export interface FaqMatch {
  entry: FaqEntry | undefined;
  /** In [0, 1]: 1 for the question itself, 0 when no meaningful word is shared with any question. */
  confidence: number;
}

// Words that carry no meaning for matching a customer's question (pt-BR and en).
const STOP_WORDS = new Set(
  words(
    'a o os as um uma uns umas de do da dos das em no na nos nas por para pra com sem e ou que qual quais ' +
      'quando como onde se me te lhe eu voce voces ele ela nos meu minha seu sua e esta este isso isto ' +
      'ao aos the a an of to in on for and or is are be do does what when how where which can i you my it ' +
      'oi ola bom dia boa tarde noite obrigado obrigada por favor hello hi please thanks',
  ),
);

function tokenize(text: string): string[] {
  return words(text).filter((word) => !STOP_WORDS.has(word));
}

/**
 * Answers from a FAQ with BM25 ranking (MiniSearch), accents and case ignored. The confidence
 * is the best score divided by the score that entry's own question would get, so it reads the
 * same whatever the size of the FAQ: equal to a question → 1; nothing in common → 0.
 */
export function createFaqRetriever(faq: FaqEntry[]) {
  const index = new MiniSearch<{ id: number; question: string }>({
    fields: ['question'],
    tokenize,
    processTerm: (term) => foldText(term),
    searchOptions: { fuzzy: 0.2, prefix: (term) => term.length >= 4, combineWith: 'OR' },
  });
  index.addAll(faq.map((entry, id) => ({ id, question: entry.question })));
  const selfScores = faq.map((entry, id) => index.search(entry.question).find((r) => r.id === id)?.score ?? 0);

  return function match(text: string): FaqMatch {
    if (tokenize(text).length === 0) return { entry: undefined, confidence: 0 };
    const [best] = index.search(text);
    if (!best) return { entry: undefined, confidence: 0 };
    const self = selfScores[best.id as number] ?? 0;
    const confidence = self > 0 ? Math.min(1, best.score / self) : 0;
    return { entry: faq[best.id as number], confidence: Math.round(confidence * 1000) / 1000 };
  };
}

/** True when the text contains a handoff keyword (a word, or a phrase of several). */
export function mentionsAny(text: string, keywords: string[]): boolean {
  const folded = ` ${words(text).join(' ')} `;
  return keywords.some((keyword) => folded.includes(` ${words(keyword).join(' ')} `));
}
