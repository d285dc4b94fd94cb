/**
 * The console's menu entry for the Reports page. Self-contained on purpose: the page and its
 * strings are a chunk loaded only when the page opens (see main.ts), so nothing here imports them.
 */
export const REPORTS_NAV_LABEL = /^pt\b/i.test(navigator.language ?? '') ? 'Relatórios' : 'Reports';
