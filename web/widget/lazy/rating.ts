import type { Locale } from '../../../shared/messages.js';
import { el, setAttr } from '../../common/dom.js';

/**
 * The end-of-chat rating (PROTOCOL §9), in its own chunk: fetched when a chat the visitor is
 * looking at ends. Stars 1–5, an optional comment, and "skip"; sent as `chat:rate`.
 */

export const css =
  '.rating{margin:0;padding:10px 14px;border:0;border-top:1px solid #e4e7eb;display:flex;flex-direction:column;gap:6px}' +
  '.rating legend{font-weight:600;padding:0}.stars{display:flex;gap:4px}' +
  '.stars button{background:#f0f2f4;color:#7b8794;padding:4px 8px;font-size:18px;line-height:1}' +
  '.stars button[aria-pressed=true]{background:#0b6e4f;color:#ffd166}' +
  '.rating textarea{resize:none;border:1px solid #cbd2d9;border-radius:8px;padding:6px}' +
  '.rating .actions{display:flex;gap:8px}.thanks{margin:0;padding:10px 14px;color:#0b6e4f;font-weight:600}';

const words = {
  'pt-BR': {
    question: 'Como foi o atendimento?',
    star: (n: number) => `${n} ${n === 1 ? 'estrela' : 'estrelas'}`,
    comment: 'Comentário (opcional)',
    send: 'Enviar avaliação',
    skip: 'Pular',
    thanks: 'Obrigado pela avaliação!',
  },
  en: {
    question: 'How was the help you got?',
    star: (n: number) => `${n} ${n === 1 ? 'star' : 'stars'}`,
    comment: 'Comment (optional)',
    send: 'Send rating',
    skip: 'Skip',
    thanks: 'Thank you for your rating!',
  },
} satisfies Record<Locale, unknown>;

export interface RatingHandlers {
  rate(score: number, comment: string): void;
  skip(): void;
}

/** The rating form, and the thanks shown once rated; `render` shows the one the state asks for. */
export function createRatingView(locale: Locale, on: RatingHandlers) {
  const w = words[locale];
  let score = 0;
  const stars = [1, 2, 3, 4, 5].map((n) =>
    el('button', { type: 'button', 'aria-pressed': 'false', 'aria-label': w.star(n), title: w.star(n), 'data-score': String(n) }, '★'),
  );
  const comment = el('textarea', { id: 'atende-rating-comment', rows: '2', maxlength: '1000' });
  const send = el('button', { type: 'submit', disabled: true }, w.send);
  const skip = el('button', { type: 'button', class: 'secondary' }, w.skip);
  const form = el(
    'form',
    { class: 'rating-form' },
    el(
      'fieldset',
      { class: 'rating' },
      el('legend', {}, w.question),
      el('div', { class: 'stars', role: 'group', 'aria-label': w.question }, ...stars),
      el('label', { for: 'atende-rating-comment' }, w.comment),
      comment,
      el('div', { class: 'actions' }, send, skip),
    ),
  );
  const thanks = el('p', { class: 'thanks', role: 'status', hidden: true }, w.thanks);
  stars.forEach((star, i) =>
    star.addEventListener('click', () => {
      score = i + 1;
      stars.forEach((other, j) => setAttr(other, 'aria-pressed', String(j < score)));
      send.disabled = false;
    }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (score) on.rate(score, comment.value);
  });
  skip.addEventListener('click', () => on.skip());

  return {
    element: el('div', {}, form, thanks),
    render(rating: 'rated' | 'skipped' | undefined) {
      form.hidden = rating !== undefined;
      thanks.hidden = rating !== 'rated';
    },
  };
}
