import { en } from './en.js';
import { lang } from './lang.js';
import { pt, type Messages } from './pt.js';

/** The console's words in its language (i18n/lang.ts decides which, once). */
export const t: Messages = lang === 'en' ? en : pt;
export { lang };
