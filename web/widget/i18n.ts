import type { Locale } from '../../shared/messages.js';
import type { CloseReason } from '../../shared/chat.js';

/** The widget's own words (validation messages come from shared/messages.ts). */
const ui = {
  'pt-BR': {
    launcher: 'Fale conosco',
    title: 'Atendimento',
    intro: 'Preencha seus dados para iniciar a conversa.',
    name: 'Nome',
    email: 'E-mail',
    phone: 'Telefone',
    start: 'Iniciar conversa',
    starting: 'Iniciando…',
    minimize: 'Minimizar',
    ticket: 'Ticket #',
    you: 'Você',
    agent: 'Atendente',
    bot: 'Assistente',
    system: 'Aviso',
    messageLabel: 'Sua mensagem',
    send: 'Enviar',
    endChat: 'Encerrar conversa',
    typing: 'Atendente digitando…',
    sending: 'enviando…',
    notSent: 'não enviada',
    connecting: 'Conectando…',
    offline: 'Sem conexão. Suas mensagens serão enviadas quando a conexão voltar.',
    closed: 'Conversa encerrada.',
    closedBy: { client: 'Você encerrou a conversa.', agent: 'O atendente encerrou a conversa.', timeout: 'A conversa foi encerrada por inatividade.' },
    newChat: 'Nova conversa',
    ticketStatus: 'Status do ticket: ',
    statuses: { OPEN: 'Aberto', PENDING: 'Pendente', RESOLVED: 'Resolvido', CLOSED: 'Fechado' },
    failed: 'Não foi possível iniciar a conversa. Tente novamente.',
    messages: 'Mensagens',
    notMe: 'Não sou eu',
  },
  en: {
    launcher: 'Chat with us',
    title: 'Support',
    intro: 'Tell us who you are to start the chat.',
    name: 'Name',
    email: 'E-mail',
    phone: 'Phone',
    start: 'Start chat',
    starting: 'Starting…',
    minimize: 'Minimize',
    ticket: 'Ticket #',
    you: 'You',
    agent: 'Agent',
    bot: 'Assistant',
    system: 'Notice',
    messageLabel: 'Your message',
    send: 'Send',
    endChat: 'End chat',
    typing: 'Agent is typing…',
    sending: 'sending…',
    notSent: 'not sent',
    connecting: 'Connecting…',
    offline: 'Offline. Your messages will be sent when the connection is back.',
    closed: 'Chat ended.',
    closedBy: { client: 'You ended the chat.', agent: 'The agent ended the chat.', timeout: 'The chat was closed for inactivity.' },
    newChat: 'New chat',
    ticketStatus: 'Ticket status: ',
    statuses: { OPEN: 'Open', PENDING: 'Pending', RESOLVED: 'Resolved', CLOSED: 'Closed' },
    failed: 'The chat could not be started. Please try again.',
    messages: 'Messages',
    notMe: 'Not me',
  },
} satisfies Record<Locale, unknown>;

export type UiText = (typeof ui)['en'];

export function uiText(locale: Locale): UiText {
  return ui[locale];
}

export function statusLabel(t: UiText, status: string): string {
  return (t.statuses as Record<string, string>)[status] ?? status;
}

export function closedLabel(t: UiText, reason: string): string {
  return (t.closedBy as Record<CloseReason, string>)[reason as CloseReason] ?? t.closed;
}
