import { existsSync, readFileSync } from 'node:fs';
// @ts-expect-error -- plain ESM build script without type declarations
import { buildWeb, webFingerprint } from '../../scripts/build.mjs';

/**
 * Once per run: makes sure dist/web (the widget, the console, the demo page that a node
 * serves) was built from the current sources, so `npm test` works on a clean clone.
 */
export default async function setup() {
  const stamp = 'dist/web/build.json';
  const current = existsSync(stamp) ? (JSON.parse(readFileSync(stamp, 'utf8')) as { fingerprint?: string }).fingerprint : undefined;
  if (current !== webFingerprint()) await buildWeb();
}
