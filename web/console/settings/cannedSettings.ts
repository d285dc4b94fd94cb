import type { CannedResponse } from '../../../shared/agentApi.js';
import { CANNED_VARIABLES } from '../../../shared/cannedResponses.js';
import { el, setText } from '../../common/dom.js';
import { errorMessage } from '../api.js';
import { t } from '../i18n/index.js';
import type { PageContext } from '../main.js';

const s = t.settings;

/**
 * The team's canned responses: the list, a form to add one, and each row's edit (in place) and
 * delete. Shared by the team, so any agent may change any of them (PROTOCOL §8).
 */
export function cannedSettings(ctx: PageContext): HTMLElement {
  const tbody = el('tbody');
  const empty = el('p', { class: 'empty', hidden: true }, s.noCanned);
  const status = el('p', { class: 'hint', role: 'status' });
  const section = el(
    'section',
    { class: 'settings-section', 'aria-labelledby': 'canned-title' },
    el('h2', { id: 'canned-title' }, s.canned),
    el('p', { class: 'hint' }, `${s.cannedIntro} `, ...CANNED_VARIABLES.flatMap((name) => [el('code', {}, `{{${name}}}`), ' '])),
    el(
      'table',
      { class: 'tickets settings-table' },
      el('thead', {}, el('tr', {}, ...[s.shortcut, s.cannedTitle, s.body, s.actions].map((h) => el('th', { scope: 'col' }, h)))),
      tbody,
    ),
    empty,
    status,
    cannedForm(null, async (fields) => {
      await ctx.api.cannedResponses.create.mutate(fields);
      await load();
    }),
  );

  function row(response: CannedResponse): HTMLTableRowElement {
    const edit = el('button', { type: 'button', class: 'secondary small', 'aria-label': s.editOf(`/${response.shortcut}`) }, s.edit);
    const remove = el('button', { type: 'button', class: 'secondary small', 'aria-label': s.deleteOf(`/${response.shortcut}`) }, s.delete);
    const tr = el(
      'tr',
      { 'data-shortcut': response.shortcut },
      el('td', {}, el('code', {}, `/${response.shortcut}`)),
      el('td', {}, response.title),
      el('td', { class: 'canned-body' }, response.body),
      el('td', { class: 'actions' }, edit, ' ', remove),
    );
    edit.addEventListener('click', () => {
      const form = cannedForm(response, async (fields) => {
        await ctx.api.cannedResponses.update.mutate({ id: response.id, ...fields });
        await load();
        setText(status, s.saved);
      }, () => void load());
      tr.replaceChildren(el('td', { colspan: '4' }, form));
      form.querySelector('input')?.focus();
    });
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        await ctx.api.cannedResponses.delete.mutate({ id: response.id });
        await load();
      } catch (error) {
        remove.disabled = false;
        ctx.fail(error);
      }
    });
    return tr;
  }

  async function load() {
    const responses = await ctx.api.cannedResponses.list.query();
    tbody.replaceChildren(...responses.map(row));
    empty.hidden = responses.length > 0;
    section.setAttribute('data-loaded', String(responses.length));
  }

  void load().catch(ctx.fail);
  return section;
}

type CannedFields = { shortcut: string; title: string; body: string };

/** The add form (`current` null) or a row's edit form; `save` throws to show its error. */
function cannedForm(current: CannedResponse | null, save: (fields: CannedFields) => Promise<void>, cancel?: () => void): HTMLFormElement {
  const prefix = current ? `canned-${current.id}` : 'canned-new';
  const shortcut = el('input', { id: `${prefix}-shortcut`, required: true, maxlength: '32', pattern: '[A-Za-z0-9_\\-]{1,32}', autocomplete: 'off' });
  const title = el('input', { id: `${prefix}-title`, required: true, maxlength: '200', autocomplete: 'off' });
  const body = el('textarea', { id: `${prefix}-body`, required: true, rows: '3', maxlength: '4000' });
  shortcut.value = current?.shortcut ?? '';
  title.value = current?.title ?? '';
  body.value = current?.body ?? '';
  const error = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit' }, current ? s.save : s.add);
  const form = el(
    'form',
    { class: 'settings-form', 'aria-label': current ? s.editOf(`/${current.shortcut}`) : s.newCanned },
    current ? null : el('h3', {}, s.newCanned),
    el('label', { for: shortcut.id }, s.shortcut),
    shortcut,
    el('label', { for: title.id }, s.cannedTitle),
    title,
    el('label', { for: body.id }, s.body),
    body,
    error,
    el('div', { class: 'form-actions' }, submit, cancel ? cancelButton(cancel) : null),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    setText(error, '');
    try {
      await save({ shortcut: shortcut.value.trim(), title: title.value.trim(), body: body.value.trim() });
      if (!current) form.reset();
    } catch (thrown) {
      setText(error, errorMessage(thrown));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function cancelButton(cancel: () => void): HTMLButtonElement {
  const button = el('button', { type: 'button', class: 'secondary' }, s.cancel);
  button.addEventListener('click', cancel);
  return button;
}
