import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** Returns the number in E.164, or null when it is not a valid phone number. */
export function toE164(raw: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(raw, defaultRegion as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}
