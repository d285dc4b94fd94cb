import { sql } from 'drizzle-orm';
import type { CustomerRow } from '../db/schema.js';

/**
 * A `clients` row as raw SQL reads it. Every chat start finds or creates its customer; built
 * by Drizzle, those statements were a tenth of the intake's CPU.
 */
export interface RawCustomer {
  id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  total_tickets: number;
  erased_ms: string | number | bigint | null;
  created_ms: string | number | bigint;
  updated_ms: string | number | bigint;
}

// Times as whole epoch milliseconds, truncated like Drizzle's Date mapping (see messageRows.ts).
export const CUSTOMER_COLUMNS = sql.raw(
  'id, email, name, phone, total_tickets, floor(extract(epoch from erased_at) * 1000)::int8 as erased_ms, ' +
    'floor(extract(epoch from created_at) * 1000)::int8 as created_ms, floor(extract(epoch from updated_at) * 1000)::int8 as updated_ms',
);

export function toCustomerRow(raw: RawCustomer): CustomerRow {
  return {
    id: raw.id,
    email: raw.email,
    name: raw.name,
    phone: raw.phone,
    totalTickets: Number(raw.total_tickets),
    erasedAt: raw.erased_ms === null ? null : new Date(Number(raw.erased_ms)),
    createdAt: new Date(Number(raw.created_ms)),
    updatedAt: new Date(Number(raw.updated_ms)),
  };
}
