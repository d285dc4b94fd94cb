import { el } from '../../common/dom.js';

/**
 * One polite live region for the whole console: what arrives while the agent looks elsewhere
 * (a customer's message, an assignment) is read out by screen readers without moving the focus.
 */
let region: HTMLElement | undefined;

export function liveRegion(): HTMLElement {
  region ??= el('div', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true', id: 'announcer' });
  return region;
}

export function announce(text: string): void {
  const node = liveRegion();
  // Emptied first so the same sentence twice is announced twice.
  node.textContent = '';
  requestAnimationFrame(() => {
    node.textContent = text;
  });
}
