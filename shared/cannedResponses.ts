/**
 * Canned responses (PROTOCOL §8): the variables a body may use, and how they are found and
 * filled. Shared so the console can check a body as it is typed with the server's own rule.
 */

export const CANNED_VARIABLES = ['customer.name', 'customer.firstName', 'ticket.number', 'agent.name'] as const;
export type CannedVariable = (typeof CANNED_VARIABLES)[number];

/** `{{customer.name}}`; spaces inside the braces are allowed (`{{ agent.name }}`). */
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The `{{…}}` names in a body that are not variables, each once, in order of appearance. */
export function unknownVariables(body: string): string[] {
  const known = new Set<string>(CANNED_VARIABLES);
  const unknown = new Set<string>();
  for (const match of body.matchAll(VARIABLE)) if (!known.has(match[1]!)) unknown.add(match[1]!);
  return [...unknown];
}

/** The body with every variable replaced by its value (unknown ones, refused at save, stay as written). */
export function fillVariables(body: string, values: Record<CannedVariable, string>): string {
  return body.replace(VARIABLE, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as CannedVariable] : whole,
  );
}
