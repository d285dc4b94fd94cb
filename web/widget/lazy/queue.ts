import type { Locale } from '../../../shared/messages.js';

/**
 * The wait for an agent (PROTOCOL §8), in its own chunk: fetched on the first `queue:position`
 * or `agent:joined`, which a chat answered at once never gets.
 */

export const css =
  '.queue{margin:0;font-size:13px;font-weight:600;color:#0b4f3a;background:#e6f4ee}.queue:not(:empty){padding:6px 14px}' +
  'li.notice[data-notice=agentJoined]{color:#0b6e4f;font-weight:600}';

const words = {
  'pt-BR': {
    position: (n: number) => `Você é o ${portugueseOrdinal(n)} na fila`,
    joined: (name: string) => `${name} entrou na conversa`,
    someone: 'Um atendente',
  },
  en: {
    position: (n: number) => `You are ${englishOrdinal(n)} in line`,
    joined: (name: string) => `${name} joined the chat`,
    someone: 'An agent',
  },
} satisfies Record<Locale, unknown>;

export function queueText(locale: Locale) {
  const w = words[locale];
  return {
    /** The status line while queued: "Você é o 2º na fila" / "You are 2nd in line". */
    position: w.position,
    /** The transcript line when an agent joins; '' (no usable name) reads "an agent". */
    agentJoined: (name: string) => w.joined(name || w.someone),
  };
}

export type QueueText = ReturnType<typeof queueText>;

/** 1º, 2º, 11º… (the masculine ordinal indicator: "o 2º na fila"). */
export function portugueseOrdinal(n: number): string {
  return `${n}º`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th… */
export function englishOrdinal(n: number): string {
  const lastTwo = n % 100;
  const suffix = lastTwo >= 11 && lastTwo <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
