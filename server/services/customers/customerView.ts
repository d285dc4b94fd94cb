import type { Client } from '../../../shared/agentApi.js';
import type { CustomerRow } from '../../db/schema.js';

/** The wire shape of a customer (PROTOCOL §4 "Client"). */
export function toClient(row: CustomerRow): Client {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    totalTickets: row.totalTickets,
    createdAt: row.createdAt.toISOString(),
  };
}
