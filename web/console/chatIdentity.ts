import type { ChatSessionSummary, Client, ContactSuggestion } from '../../shared/agentApi.js';
import { CONTACT_FIELDS } from '../../shared/agentApi.js';
import { el } from '../common/dom.js';
import { t } from './i18n/index.js';
import { CONTACT_FIELD_LABELS, MATCHED_BY_LABELS } from './labels.js';

/**
 * Who is on the other side of a chat, as far as the server knows (PROTOCOL §7): whether the
 * host site vouched for the visitor, how the customer was found, what the visitor typed next
 * to what is on file, and the contact suggestions an agent may accept. Text only, never HTML.
 */

/** "Verificado" / "Não verificado" and how the customer was matched. */
export function identityBadges(session: Pick<ChatSessionSummary, 'verified' | 'matchedBy'>): HTMLElement {
  return el(
    'span',
    { class: 'identity-badges' },
    el(
      'span',
      {
        class: `badge ${session.verified ? 'identity-verified' : 'identity-unverified'}`,
        title: session.verified
          ? t.identity.verifiedTitle
          : t.identity.unverifiedTitle,
      },
      session.verified ? t.identity.verified : t.identity.unverified,
    ),
    ' ',
    el('span', { class: 'badge identity-matched', 'data-matched-by': session.matchedBy }, MATCHED_BY_LABELS[session.matchedBy]),
  );
}

/**
 * A chat's identity block: the badges, a table of typed vs on-file values (differences marked),
 * and the chat's suggestions, each with an "Aceitar" button that calls `accept`.
 */
export function chatIdentity(
  session: ChatSessionSummary,
  client: Client,
  suggestions: ContactSuggestion[],
  accept: (suggestion: ContactSuggestion, button: HTMLButtonElement, error: HTMLElement) => void,
): HTMLElement {
  const rows = CONTACT_FIELDS.map((field) => {
    const typed = session.typed[field];
    const onFile = client[field];
    const differs = onFile !== typed;
    return el(
      'tr',
      { 'data-field': field, class: differs ? 'differs' : undefined },
      el('th', { scope: 'row' }, CONTACT_FIELD_LABELS[field]),
      el('td', { class: 'typed' }, typed),
      el('td', { class: 'on-file' }, onFile ?? '—'),
    );
  });
  const error = el('p', { class: 'error', role: 'alert' });
  const mine = suggestions.filter((s) => s.sessionId === session.id);
  return el(
    'div',
    { class: 'chat-identity', 'data-session': session.id },
    identityBadges(session),
    el(
      'table',
      { class: 'typed-vs-file' },
      el('caption', {}, t.identity.caption),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t.identity.field), el('th', { scope: 'col' }, t.identity.typed), el('th', { scope: 'col' }, t.identity.onFile))),
      el('tbody', {}, ...rows),
    ),
    mine.length
      ? el(
          'ul',
          { class: 'suggestions', 'aria-label': t.identity.suggestions },
          ...mine.map((suggestion) => {
            const button = el('button', { type: 'button', class: 'secondary', 'aria-label': t.identity.acceptField(CONTACT_FIELD_LABELS[suggestion.field], suggestion.value) }, t.identity.accept);
            button.addEventListener('click', () => accept(suggestion, button, error));
            return el(
              'li',
              { 'data-field': suggestion.field },
              t.identity.suggestion(CONTACT_FIELD_LABELS[suggestion.field]),
              el('strong', {}, suggestion.value),
              ' ',
              button,
            );
          }),
        )
      : null,
    error,
  );
}
