// @ts-expect-error -- plain ESM build script without type declarations
import { buildServer } from '../../scripts/build.mjs';

/**
 * Once per run: bundles the server (dist/server.js, dist/atende.js) from the current sources.
 * Suites that run the node or the admin CLI in a process of their own run these bundles, as
 * `npm start` and `npx atende` do: a process starts in a fraction of the time tsx takes to
 * compile the sources on every start.
 */
export default async function setup() {
  await buildServer();
}
