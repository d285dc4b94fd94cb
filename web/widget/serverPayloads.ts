/**
 * What the server sends, checked before the widget uses it: a buggy or hostile server value
 * must neither break the widget nor show anything but plain, short text.
 */

/** Larger than any real queue; a bigger (or fractional, negative, non-numeric) position is ignored. */
export const MAX_QUEUE_POSITION = 99_999;
/** What the widget shows of an agent's name at most (the server allows 120 characters). */
export const AGENT_NAME_SHOWN = 60;

/** A queue position as the contract has it (an integer from 1), else undefined. */
export function queuePositionOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_QUEUE_POSITION ? value : undefined;
}

/**
 * An agent's name fit to show as one short line of text: without control or bidi-override
 * characters (which could reorder the words around it), spaces collapsed, at most
 * AGENT_NAME_SHOWN characters. Not a string, or nothing left: '' (shown as "an agent").
 */
export function agentNameOf(value: unknown): string {
  if (typeof value !== 'string') return '';
  const chars = [...value.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').replace(/[\p{Cc}\s]+/gu, ' ').trim()];
  return chars.length > AGENT_NAME_SHOWN ? `${chars.slice(0, AGENT_NAME_SHOWN - 1).join('').trimEnd()}…` : chars.join('');
}
