import type { boot } from './main.js';

/**
 * widget.js, what site owners paste: `<script src="https://HOST/widget.js"
 * data-atende-url="https://HOST" data-locale="pt-BR" data-phone-region="BR" async></script>`
 * adds a launcher button.
 *
 * A host page may vouch for a signed-in shopper (PROTOCOL §7) with `data-identity-email`,
 * `data-identity-name`, `data-identity-phone`, `data-identity-hash` on that tag, or with
 * `window.Atende.identify({ email, name?, phone?, identityHash })` before the chat starts.
 * A page that may call it before this script has run defines the queue this script drains:
 * `window.Atende = window.Atende || { q: [], identify: function (i) { this.q.push(i) } };`
 *
 * This script stays small and at a stable URL (revalidated often); it imports the widget, a
 * content-hashed ES module beside it (cached for good), whose rarely needed parts load later
 * (lazy/). A classic script may `import()`: the embed tag needs no `type="module"`.
 */

/** The widget's entry then the chunks it imports, relative to widget.js: set by scripts/build.mjs. */
declare const WIDGET_MODULES: string[];

export interface AtendeIdentity {
  email: string;
  name?: string;
  phone?: string;
  /** Hex HMAC-SHA256 of the e-mail with the Atende node's IDENTITY_SECRET, computed by the host's server. */
  identityHash: string;
}

declare global {
  interface Window {
    __atendeWidget?: boolean;
    Atende?: { q?: unknown[]; identify(identity: AtendeIdentity): void };
  }
}

// Read while this script runs: afterwards `currentScript` is null.
const script = (document.currentScript ??
  document.querySelector('script[data-atende-url], script[src*="widget.js"]')) as HTMLScriptElement | null;

if (!window.__atendeWidget) {
  // Pasted twice: one widget. `window.Atende` exists as soon as this script ran; what was
  // identified before the widget booted waits in `q`.
  window.__atendeWidget = true;
  const data = script?.dataset;
  const q: unknown[] = data?.identityEmail
    ? [{ email: data.identityEmail, name: data.identityName, phone: data.identityPhone, identityHash: data.identityHash }]
    : [];
  const queued = window.Atende?.q;
  if (Array.isArray(queued)) q.push(...queued);
  let apply: ((identity: unknown) => void) | undefined;
  window.Atende = { q, identify: (identity) => (apply ? apply(identity) : q.push(identity)) };
  const base = script?.src || location.href;
  Promise.all(WIDGET_MODULES.map((module) => import(new URL(module, base).href))).then(
    ([widget]: { boot: typeof boot }[]) => {
      const start = () => (apply = widget!.boot(script, q));
      if (document.body) start();
      else document.addEventListener('DOMContentLoaded', start, { once: true });
    },
    (error: unknown) => console.error('Atende widget: could not load', error),
  );
}
