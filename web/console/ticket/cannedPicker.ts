import type { CannedResponse } from '../../../shared/agentApi.js';
import { fillVariables, type CannedVariable } from '../../../shared/cannedResponses.js';
import { el, setText } from '../../common/dom.js';
import { t } from '../i18n/index.js';

/** What a chosen canned response was filled in as, to tell later whether the agent edited it. */
export interface CannedChoice {
  id: string;
  text: string;
}

/**
 * `/` in the reply box: a list of canned responses narrowed by what follows the slash
 * (`/ola` → shortcuts starting with "ola"), worked from the keyboard — ↑/↓ move, Enter puts the
 * response, its variables filled in, in place of `/ola`, Escape closes. The textarea keeps the
 * focus throughout (aria-activedescendant names the highlighted option).
 */
export function attachCannedPicker(
  textarea: HTMLTextAreaElement,
  deps: {
    load(): Promise<CannedResponse[]>;
    /** The values of `{{customer.name}}` etc. for the ticket being answered. */
    variables(): Record<CannedVariable, string>;
    onPick(choice: CannedChoice): void;
  },
) {
  const listbox = el('ul', { id: 'canned-list', role: 'listbox', class: 'canned-list', 'aria-label': t.reply.canned, hidden: true });
  const empty = el('p', { class: 'canned-empty', hidden: true, role: 'status' });
  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', 'canned-list');

  let responses: CannedResponse[] | undefined;
  let shown: CannedResponse[] = [];
  let active = 0;
  let token: { start: number; end: number } | undefined;

  function close() {
    listbox.hidden = true;
    empty.hidden = true;
    token = undefined;
    textarea.removeAttribute('aria-activedescendant');
    textarea.setAttribute('aria-expanded', 'false');
  }

  function highlight(index: number) {
    active = (index + shown.length) % shown.length;
    [...listbox.children].forEach((option, i) => option.setAttribute('aria-selected', String(i === active)));
    textarea.setAttribute('aria-activedescendant', `canned-${active}`);
    listbox.children[active]?.scrollIntoView({ block: 'nearest' });
  }

  function pick(response: CannedResponse) {
    if (!token) return;
    const text = fillVariables(response.body, deps.variables());
    const value = textarea.value;
    textarea.value = value.slice(0, token.start) + text + value.slice(token.end);
    const caret = token.start + text.length;
    textarea.setSelectionRange(caret, caret);
    close();
    deps.onPick({ id: response.id, text });
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  async function update() {
    const caret = textarea.selectionStart;
    const match = /(^|\s)\/([\w-]*)$/.exec(textarea.value.slice(0, caret));
    if (!match) return close();
    responses ??= await deps.load();
    const typed = match[2]!.toLowerCase();
    token = { start: caret - typed.length - 1, end: caret };
    shown = responses.filter((r) => r.shortcut.startsWith(typed));
    listbox.replaceChildren(
      ...shown.map((response, i) => {
        const option = el(
          'li',
          { role: 'option', id: `canned-${i}`, 'data-shortcut': response.shortcut },
          el('strong', {}, `/${response.shortcut}`),
          ` ${response.title}`,
        );
        // mousedown, not click: the textarea must keep the focus.
        option.addEventListener('mousedown', (event) => {
          event.preventDefault();
          pick(response);
        });
        return option;
      }),
    );
    listbox.hidden = shown.length === 0;
    empty.hidden = shown.length > 0;
    setText(empty, shown.length ? '' : t.reply.cannedNone);
    textarea.setAttribute('aria-expanded', String(shown.length > 0));
    if (shown.length) highlight(0);
    else textarea.removeAttribute('aria-activedescendant');
  }

  textarea.addEventListener('input', (event) => {
    if (event.isTrusted || event instanceof InputEvent) void update();
  });
  textarea.addEventListener('keydown', (event) => {
    if (!token) return;
    const open = !listbox.hidden;
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (open && event.key === 'ArrowDown') {
      event.preventDefault();
      highlight(active + 1);
    } else if (open && event.key === 'ArrowUp') {
      event.preventDefault();
      highlight(active - 1);
    } else if (open && event.key === 'Enter' && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      event.stopImmediatePropagation();
      pick(shown[active]!);
    }
  });
  textarea.addEventListener('blur', close);
  close();

  return { element: el('div', { class: 'canned-picker' }, listbox, empty), close };
}
