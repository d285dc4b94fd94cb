/**
 * The tab's title: the page's name, led by the agent's unread total when there is one —
 * `(3) Atende — tickets` — so a shift's waiting messages show in the browser's tab strip.
 */
let page = '';
let unread = 0;

function render() {
  const base = page ? `Atende — ${page}` : 'Atende';
  document.title = unread > 0 ? `(${unread}) ${base}` : base;
}

/** Names the page (after "Atende — "). */
export function setPageTitle(name: string): void {
  page = name;
  render();
}

export function setUnreadTotal(total: number): void {
  unread = total;
  render();
}
