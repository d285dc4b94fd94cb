/**
 * The console's language: `?lang=en` / `?lang=pt-BR` in the address (kept for the tab's
 * session, so the hash routes need not carry it), else the browser's language; pt-BR when
 * neither says English. Decided once, at load.
 */
export type Lang = 'pt-BR' | 'en';

const LANG_KEY = 'atende.console.lang';

function pick(value: string | null | undefined): Lang | undefined {
  if (!value) return undefined;
  const lower = value.toLowerCase();
  if (lower.startsWith('en')) return 'en';
  if (lower.startsWith('pt')) return 'pt-BR';
  return undefined;
}

function detect(): Lang {
  const asked = pick(new URLSearchParams(location.search).get('lang'));
  if (asked) {
    sessionStorage.setItem(LANG_KEY, asked);
    return asked;
  }
  return pick(sessionStorage.getItem(LANG_KEY)) ?? pick(navigator.languages?.[0] ?? navigator.language) ?? 'pt-BR';
}

export const lang: Lang = detect();
