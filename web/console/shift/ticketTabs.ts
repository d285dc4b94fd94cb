import { el } from '../../common/dom.js';
import { t } from '../i18n/index.js';

export const TABS = ['mine', 'unassigned', 'all'] as const;
export type Tab = (typeof TABS)[number];

/** Each tab's `tickets.list` filter. */
export const TAB_ASSIGNEE: Record<Tab, 'me' | 'none' | undefined> = { mine: 'me', unassigned: 'none', all: undefined };

const TAB_LABELS: Record<Tab, string> = { mine: t.list.mine, unassigned: t.list.unassigned, all: t.list.all };

/**
 * Minhas / Não atribuídas / Todas, each with its count, as an ARIA tab list: one tab in the
 * tab order, arrows (Home/End) move between them, and choosing one calls `onSelect`.
 */
export function ticketTabs(selected: Tab, panelId: string, onSelect: (tab: Tab) => void) {
  const counts = {} as Record<Tab, HTMLElement>;
  const buttons = TABS.map((tab) => {
    counts[tab] = el('span', { class: 'tab-count' });
    const button = el('button', { type: 'button', role: 'tab', id: `tab-${tab}`, 'aria-controls': panelId, 'data-tab': tab }, TAB_LABELS[tab], ' ', counts[tab]);
    button.addEventListener('click', () => select(tab, false));
    return button;
  });
  const element = el('div', { role: 'tablist', class: 'tabs', 'aria-label': t.list.tabs }, ...buttons);

  function mark(tab: Tab) {
    buttons.forEach((button, i) => {
      const on = TABS[i] === tab;
      button.setAttribute('aria-selected', String(on));
      button.tabIndex = on ? 0 : -1;
    });
  }
  function select(tab: Tab, focus: boolean) {
    mark(tab);
    if (focus) buttons[TABS.indexOf(tab)]!.focus();
    onSelect(tab);
  }
  element.addEventListener('keydown', (event) => {
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(TABS[(next + TABS.length) % TABS.length]!, true);
  });
  mark(selected);

  return {
    element,
    /** Shows a tab's count ("100+" when there are more than were counted). */
    setCount(tab: Tab, count: number, more: boolean) {
      counts[tab].textContent = `${count}${more ? '+' : ''}`;
    },
  };
}
