/** Lower-case, accents removed: "Cartão" and "cartao" compare equal. */
export function foldText(value: string): string {
  return value.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

/** The words of a text, folded, split on anything that is not a letter or digit. */
export function words(value: string): string[] {
  return foldText(value).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}
