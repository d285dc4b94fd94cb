import type { ContactField, ContactSuggestion } from '../../../shared/agentApi.js';
import type { ChatSessionRow, CustomerRow } from '../../db/schema.js';

type TypedContact = Pick<ChatSessionRow, 'id' | 'verified' | 'userName' | 'userEmail' | 'userPhone'>;
type ContactOnFile = Pick<CustomerRow, 'name' | 'email' | 'phone'>;

/** What the visitor typed for each contact field. */
export function typedValue(session: TypedContact, field: ContactField): string {
  return { name: session.userName, email: session.userEmail, phone: session.userPhone }[field];
}

/**
 * The contact suggestions of one chat (PROTOCOL §7): each field its customer lacks, with what
 * the visitor typed. Derived from the rows, never stored: once the field is on file (accepted,
 * or filled some other way) it is no longer suggested. A verified chat has already filled what
 * it could itself; what it could not (a phone another customer holds) is not offered again.
 */
export function suggestionsOf(session: TypedContact, client: ContactOnFile): ContactSuggestion[] {
  if (session.verified) return [];
  const fields: ContactField[] = ['name', 'email', 'phone'];
  return fields
    .filter((field) => client[field] === null && typedValue(session, field) !== '')
    .map((field) => ({ sessionId: session.id, field, value: typedValue(session, field) }));
}
