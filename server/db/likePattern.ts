/** A case-insensitive `contains` pattern in which `\`, `%` and `_` stand for themselves. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}
