/**
 * A random id for `clientMsgId`. crypto.randomUUID exists only in secure contexts (HTTPS,
 * localhost); a widget may live on a plain-HTTP page and a console on an intranet host.
 */
export function newClientMsgId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
