/** Human-readable validation messages, in the locales the widget offers. */
export const LOCALES = ['pt-BR', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'pt-BR';

const texts = {
  'pt-BR': {
    required: 'Campo obrigatório',
    nameLength: 'Informe um nome de 1 a 120 caracteres',
    email: 'Informe um e-mail válido',
    phone: 'Informe um telefone válido',
    bodyLength: 'A mensagem deve ter de 1 a 4000 caracteres',
    clientMsgId: 'Identificador da mensagem inválido (1 a 64 caracteres)',
    invalid: 'Valor inválido',
  },
  en: {
    required: 'Required',
    nameLength: 'Enter a name of 1 to 120 characters',
    email: 'Enter a valid e-mail address',
    phone: 'Enter a valid phone number',
    bodyLength: 'The message must have 1 to 4000 characters',
    clientMsgId: 'Invalid message id (1 to 64 characters)',
    invalid: 'Invalid value',
  },
} as const satisfies Record<Locale, Record<string, string>>;

export type MessageKey = keyof (typeof texts)['en'];

export function resolveLocale(value: unknown): Locale {
  if (typeof value !== 'string') return DEFAULT_LOCALE;
  const lower = value.toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  return DEFAULT_LOCALE;
}

export function text(locale: Locale, key: MessageKey): string {
  return texts[locale][key];
}
