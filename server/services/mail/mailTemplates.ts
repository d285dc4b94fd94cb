import type { SenderType } from '../../../shared/chat.js';
import { resolveLocale, type Locale } from '../../../shared/messages.js';

/** An e-mail's content, as the outbox stores it: plain text and simple HTML of the same words. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** Everything a customer or an agent wrote goes into HTML through here, never raw. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const words = {
  'pt-BR': {
    greeting: (name: string) => `Olá, ${name}!`,
    lateReplySubject: (n: number) => `Nova resposta ao seu atendimento #${n}`,
    lateReplyIntro: (agent: string) => `${agent} respondeu à sua conversa:`,
    openLink: 'Para ver a conversa e responder, abra:',
    offlineSubject: (n: number) => `Recebemos sua mensagem - atendimento #${n}`,
    offlineIntro: 'Recebemos sua mensagem fora do nosso horário de atendimento. Responderemos assim que possível.',
    yourMessage: 'Sua mensagem:',
    transcriptSubject: (n: number) => `Transcrição do seu atendimento #${n}`,
    transcriptIntro: 'Esta é a transcrição da sua conversa:',
    you: 'Você',
    agent: 'Atendente',
    bot: 'Assistente',
    system: 'Aviso',
    truncated: (count: number) => `(${count} mensagens mais antigas não foram incluídas)`,
    footer: 'Esta mensagem foi enviada automaticamente.',
  },
  en: {
    greeting: (name: string) => `Hello, ${name}!`,
    lateReplySubject: (n: number) => `New reply to your support request #${n}`,
    lateReplyIntro: (agent: string) => `${agent} replied to your conversation:`,
    openLink: 'To see the conversation and reply, open:',
    offlineSubject: (n: number) => `We received your message - request #${n}`,
    offlineIntro: 'We received your message outside our business hours. We will answer as soon as we can.',
    yourMessage: 'Your message:',
    transcriptSubject: (n: number) => `Transcript of your support request #${n}`,
    transcriptIntro: 'This is the transcript of your conversation:',
    you: 'You',
    agent: 'Agent',
    bot: 'Assistant',
    system: 'Notice',
    truncated: (count: number) => `(${count} earlier messages were left out)`,
    footer: 'This message was sent automatically.',
  },
} satisfies Record<Locale, unknown>;

/** A block of the e-mail: a paragraph, a quoted text written by someone, or a link. */
type Block = { p: string } | { quote: string; by?: string } | { link: string };

function render(subject: string, blocks: Block[], locale: Locale): MailContent {
  const w = words[locale];
  const all: Block[] = [...blocks, { p: w.footer }];
  const text = all
    .map((block) => {
      if ('p' in block) return block.p;
      if ('link' in block) return block.link;
      const quoted = block.quote.split('\n').map((line) => `> ${line}`).join('\n');
      return block.by ? `${block.by}:\n${quoted}` : quoted;
    })
    .join('\n\n');
  const html = all
    .map((block) => {
      if ('p' in block) return `<p>${escapeHtml(block.p)}</p>`;
      if ('link' in block) return `<p><a href="${escapeHtml(block.link)}">${escapeHtml(block.link)}</a></p>`;
      const by = block.by ? `<strong>${escapeHtml(block.by)}</strong><br>` : '';
      const body = escapeHtml(block.quote).replace(/\n/g, '<br>');
      return `<blockquote style="margin:0 0 12px;padding-left:12px;border-left:3px solid #ccc">${by}${body}</blockquote>`;
    })
    .join('\n');
  return { subject, text: `${text}\n`, html: `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif">\n${html}\n</body></html>\n` };
}

export interface LateReplyMail {
  locale: string;
  customerName: string;
  ticketNumber: number;
  agentName: string;
  body: string;
  link: string;
}

/** An agent answered after the chat ended (PROTOCOL §9): the reply and the `/c/` link. */
export function lateReplyMail(m: LateReplyMail): MailContent {
  const locale = resolveLocale(m.locale);
  const w = words[locale];
  return render(
    w.lateReplySubject(m.ticketNumber),
    [{ p: w.greeting(m.customerName) }, { p: w.lateReplyIntro(m.agentName) }, { quote: m.body }, { p: w.openLink }, { link: m.link }],
    locale,
  );
}

export interface OfflineReceivedMail {
  locale: string;
  customerName: string;
  ticketNumber: number;
  message: string;
  link: string;
}

/** The offline form's confirmation: the ticket's number and what the customer wrote. */
export function offlineReceivedMail(m: OfflineReceivedMail): MailContent {
  const locale = resolveLocale(m.locale);
  const w = words[locale];
  return render(
    w.offlineSubject(m.ticketNumber),
    [{ p: w.greeting(m.customerName) }, { p: w.offlineIntro }, { p: w.yourMessage }, { quote: m.message }, { p: w.openLink }, { link: m.link }],
    locale,
  );
}

export interface TranscriptLine {
  senderType: SenderType;
  senderName: string | null;
  body: string;
  createdAt: Date;
}

export interface TranscriptMail {
  locale: string;
  customerName: string;
  ticketNumber: number;
  lines: TranscriptLine[];
  /** Earlier messages left out of a very long conversation. */
  omitted: number;
  timeZone: string | undefined;
}

/** The whole conversation, each message with who wrote it and when (never notes: they are not messages). */
export function transcriptMail(m: TranscriptMail): MailContent {
  const locale = resolveLocale(m.locale);
  const w = words[locale];
  const time = new Intl.DateTimeFormat(locale, { timeZone: m.timeZone, dateStyle: 'short', timeStyle: 'short' });
  const author = (line: TranscriptLine) =>
    line.senderType === 'client' ? w.you : (line.senderName ?? w[line.senderType]);
  return render(
    w.transcriptSubject(m.ticketNumber),
    [
      { p: w.greeting(m.customerName) },
      { p: w.transcriptIntro },
      ...(m.omitted > 0 ? [{ p: w.truncated(m.omitted) }] : []),
      ...m.lines.map((line) => ({ quote: line.body, by: `${author(line)} (${time.format(line.createdAt)})` })),
    ],
    locale,
  );
}
