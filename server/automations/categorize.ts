import type { Automations } from './automationsConfig.js';
import { mentionsAny } from './faqRetriever.js';

/** The first category (in the file's order) with a keyword in the text, accents and case ignored. */
export function pickCategory(text: string, categories: Automations['categories']): string | undefined {
  return categories.find((rule) => mentionsAny(text, rule.keywords))?.category;
}
