import type { TicketSource } from '../../../shared/tickets.js';
import { lang } from '../i18n/lang.js';

/**
 * The Reports page's words, in Brazilian Portuguese (the console's language) and in English for
 * managers whose browser asks for it. Numbers and dates follow the same locale.
 */
export type ReportLocale = 'pt-BR' | 'en';

/** The console's language (`?lang=`, else the browser's; pt-BR unless English is asked). */
export function reportLocale(): ReportLocale {
  return lang;
}

const PT = {
  nav: 'Relatórios',
  title: 'Relatórios',
  period: 'Período',
  today: 'Hoje',
  last7: '7 dias',
  last30: '30 dias',
  custom: 'Personalizado',
  from: 'De',
  to: 'Até',
  apply: 'Aplicar',
  loading: 'Carregando relatórios…',
  badPeriod: 'Escolha um período de até 366 dias, com início antes do fim.',
  inZone: (zone: string) => `Horários em ${zone}.`,
  cards: { chats: 'Conversas de chat', firstP50: '1ª resposta (p50)', firstP90: '1ª resposta (p90)', unanswered: 'Sem resposta', csat: 'Satisfação (CSAT)' },
  channels: 'Conversas por canal',
  firstResponse: 'Tempo até a primeira resposta (p50)',
  unanswered: 'Chats sem resposta',
  resolution: 'Taxa de resolução por canal',
  csat: 'Satisfação (CSAT)',
  heatmap: 'Chats iniciados por dia da semana e hora',
  agents: 'Por atendente',
  columns: {
    period: 'Período',
    start: 'Início',
    chats: 'Chats',
    total: 'Total',
    unanswered: 'Sem resposta',
    unansweredShare: '% sem resposta',
    firstP50: '1ª resposta p50',
    resolved: 'Resolvidos',
    csat: 'CSAT',
    channel: 'Canal',
    tickets: 'Tickets',
    rate: 'Taxa de resolução',
    agent: 'Atendente',
    assigned: 'Chats atribuídos',
    weekday: 'Dia',
  },
  totals: 'Total',
  csv: 'Exportar CSV',
  numbers: 'Números',
  noAgents: 'Nenhum atendente com chats ou resoluções no período.',
  csatPending: 'A avaliação de satisfação ainda não está disponível: aparece como “—”.',
  weekdays: ['Dom', 'Seg', 'Ter', 'Qua', 'Qui', 'Sex', 'Sáb'],
  sources: { chat: 'Chat', email: 'E-mail', phone: 'Telefone', web: 'Web', api: 'API' } as Record<TicketSource, string>,
};

const EN: typeof PT = {
  nav: 'Reports',
  title: 'Reports',
  period: 'Period',
  today: 'Today',
  last7: '7 days',
  last30: '30 days',
  custom: 'Custom',
  from: 'From',
  to: 'To',
  apply: 'Apply',
  loading: 'Loading reports…',
  badPeriod: 'Pick a period of at most 366 days that starts before it ends.',
  inZone: (zone: string) => `Times in ${zone}.`,
  cards: { chats: 'Chat conversations', firstP50: 'First response (p50)', firstP90: 'First response (p90)', unanswered: 'Unanswered', csat: 'Satisfaction (CSAT)' },
  channels: 'Conversations by channel',
  firstResponse: 'Time to first response (p50)',
  unanswered: 'Unanswered chats',
  resolution: 'Resolution rate by channel',
  csat: 'Satisfaction (CSAT)',
  heatmap: 'Chats started by weekday and hour',
  agents: 'By agent',
  columns: {
    period: 'Period',
    start: 'Start',
    chats: 'Chats',
    total: 'Total',
    unanswered: 'Unanswered',
    unansweredShare: '% unanswered',
    firstP50: 'First response p50',
    resolved: 'Resolved',
    csat: 'CSAT',
    channel: 'Channel',
    tickets: 'Tickets',
    rate: 'Resolution rate',
    agent: 'Agent',
    assigned: 'Chats assigned',
    weekday: 'Day',
  },
  totals: 'Total',
  csv: 'Export CSV',
  numbers: 'Numbers',
  noAgents: 'No agent had chats or resolutions in this period.',
  csatPending: 'Satisfaction ratings are not available yet: shown as “—”.',
  weekdays: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  sources: { chat: 'Chat', email: 'E-mail', phone: 'Phone', web: 'Web', api: 'API' },
};

export type ReportStrings = typeof PT;

export function reportStrings(locale: ReportLocale = reportLocale()): ReportStrings {
  return locale === 'en' ? EN : PT;
}
