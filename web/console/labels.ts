import type { TicketPriority, TicketSource, TicketStatus } from '../../shared/tickets.js';

/** The console's words (pt-BR, like the team that uses it). */
export const SOURCE_LABELS: Record<TicketSource, string> = {
  chat: 'Chat',
  email: 'E-mail',
  phone: 'Telefone',
  web: 'Web',
  api: 'API',
};

export const STATUS_LABELS: Record<TicketStatus, string> = {
  OPEN: 'Aberto',
  PENDING: 'Pendente',
  RESOLVED: 'Resolvido',
  CLOSED: 'Fechado',
};

export const PRIORITY_LABELS: Record<TicketPriority, string> = {
  LOW: 'Baixa',
  NORMAL: 'Normal',
  HIGH: 'Alta',
  URGENT: 'Urgente',
};

export const SENDER_LABELS = { client: 'Cliente', agent: 'Atendente', bot: 'Assistente', system: 'Sistema' } as const;

const dateTime = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'short' });
const time = new Intl.DateTimeFormat('pt-BR', { timeStyle: 'short' });

export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

export function formatTime(iso: string): string {
  return time.format(new Date(iso));
}

/** How the intake found the chat's customer (PROTOCOL §7 `matchedBy`). */
export const MATCHED_BY_LABELS = {
  email: 'identificado por e-mail',
  phone: 'identificado por telefone',
  new: 'cliente novo',
} as const;

export const CONTACT_FIELD_LABELS = { name: 'Nome', email: 'E-mail', phone: 'Telefone' } as const;
