import type { Note } from '../../../shared/agentApi.js';
import { el, setText } from '../../common/dom.js';
import { errorMessage } from '../api.js';
import { t } from '../i18n/index.js';
import { formatDateTime } from '../labels.js';
import type { PageContext } from '../main.js';

/**
 * A ticket's internal notes (PROTOCOL §8): agents only, never the customer. Set apart from the
 * conversation — their own section, colour and "Nota interna" label — so nobody takes one for
 * a message the customer saw. Shown on every ticket, chat or not.
 */
export function createNotes(ctx: PageContext, ticketId: () => string | undefined, agentName: (id: string) => string) {
  const list = el('ol', { class: 'notes', 'aria-labelledby': 'notes-title' });
  const textarea = el('textarea', { id: 'note', rows: '2', maxlength: '4000', 'aria-describedby': 'note-hint' });
  const save = el('button', { type: 'submit', class: 'note-save' }, t.notes.save);
  const error = el('p', { class: 'error', role: 'alert' });
  const form = el(
    'form',
    { class: 'note-form' },
    el('label', { for: 'note' }, t.notes.label),
    textarea,
    el('p', { id: 'note-hint', class: 'hint' }, t.notes.hint),
    error,
    save,
  );
  const element = el('section', { class: 'notes-section', 'aria-labelledby': 'notes-title' }, el('h2', { id: 'notes-title' }, t.notes.title), list, form);
  let shown: Note[] = [];

  function item(note: Note): HTMLElement {
    return el(
      'li',
      { class: 'note', 'data-note': note.id },
      el('span', { class: 'who' }, el('span', { class: 'note-badge' }, t.notes.badge), ` · ${agentName(note.agentId)} · `, el('time', { datetime: note.createdAt }, formatDateTime(note.createdAt))),
      el('p', { class: 'body' }, note.body),
    );
  }

  function render() {
    list.replaceChildren(...(shown.length ? shown.map(item) : [el('li', { class: 'empty' }, t.notes.none)]));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const id = ticketId();
    const body = textarea.value.trim();
    if (!id || !body) return;
    save.disabled = true;
    setText(error, '');
    try {
      const note = await ctx.api.tickets.note.mutate({ id, body });
      if (!shown.some((n) => n.id === note.id)) shown = [...shown, note];
      render();
      textarea.value = '';
    } catch (thrown) {
      setText(error, errorMessage(thrown));
    } finally {
      save.disabled = false;
    }
  });

  return {
    element,
    /** The notes of the ticket as `tickets.get` gives them (oldest first). */
    show(notes: Note[]) {
      shown = notes;
      render();
    },
    /** Re-renders, e.g. once agents' names are known. */
    render,
  };
}
