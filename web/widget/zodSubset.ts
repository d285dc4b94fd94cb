/**
 * What the widget bundle gets when shared/ imports `{ z } from 'zod'` (an alias set in
 * scripts/build.mjs): a `z` with only the builders shared/schemas.ts uses. Zod's own `z`
 * namespace drags every locale and builder into the bundle (~90 KB gzipped); named imports
 * let esbuild drop them. tests/web-bundle.test.ts fails when shared/ uses a builder missing here.
 */
import { NEVER, boolean, coerce, email, enum as zEnum, number, object, string } from 'zod';

export const z = { NEVER, boolean, coerce, email, enum: zEnum, number, object, string };
