import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Transaction } from '../server/db/client.js';
import { rowsOf } from '../server/db/rows.js';
import { agentsRepository } from '../server/repositories/agents.js';
import { describeOnPostgres } from './support/databases.js';

/**
 * Routing's statements lock agent rows (to count open chats exactly, in id order so two nodes
 * never deadlock) until their transaction commits: a routing pass, the sweep's recount of every
 * open chat. Those locks must not hold up a write that only names the agent — an agent's reply
 * in a group-commit batch, whose foreign-key check takes FOR KEY SHARE on the agent's row and
 * would stall the whole batch behind a FOR UPDATE.
 */
describeOnPostgres('routing’s agent locks do not hold up writes that name the agent', (db) => {
  let agentId = '';
  let sessionId = '';
  let ticketId = '';
  let seq = 0;

  beforeAll(async () => {
    const [row] = rowsOf<{ agent_id: string; session_id: string; ticket_id: string }>(
      await db().handle.db.execute(sql`
        with a as (
          insert into agents (name, email, token_hash, status, status_changed_at, last_seen_at, open_chats)
          values ('Lock Agent', 'lock.agent@example.com', md5(random()::text), 'online', now(), now(), 1) returning id
        ), c as (
          insert into clients (email, name, phone) values ('lock.client@example.com', 'Lock Client', '+5511955554444') returning id
        ), t as (
          insert into tickets (subject, source, client_id, assignee_id) select 'Chat iniciado - Lock', 'chat', c.id, a.id from c, a returning id, client_id
        ), s as (
          insert into chat_sessions (client_id, ticket_id, user_name, user_email, user_phone, resume_token_hash, ticket_created_at)
          select client_id, id, 'Lock Client', 'lock.client@example.com', '+5511955554444', md5(id::text), now() from t returning id, ticket_id
        )
        select a.id as agent_id, s.id as session_id, s.ticket_id from a, s`),
    );
    ({ agent_id: agentId, session_id: sessionId, ticket_id: ticketId } = row!);
  });

  /** Runs `lock` in a transaction kept open while the agent's reply and read mark are written on another connection. */
  async function writesWhileHeld(lock: (tx: Transaction) => Promise<unknown>): Promise<void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const held = new Promise<void>((resolve) => (locked = resolve));
    const holder = db().handle.db.transaction(async (tx) => {
      await lock(tx);
      locked();
      await released;
    });
    try {
      await held;
      seq += 1;
      // A short lock_timeout: blocked, the write fails here instead of waiting for the release.
      await db().handle.db.transaction(async (tx) => {
        await tx.execute(sql`set local lock_timeout = '1s'`);
        await tx.execute(sql`
          insert into chat_messages (session_id, seq, sender_type, agent_id, sender_name, body)
          values (${sessionId}::uuid, ${seq}, 'agent', ${agentId}::uuid, 'Lock Agent', 'Já verifico')`);
        await tx.execute(sql`
          insert into ticket_reads (agent_id, ticket_id, customer_messages_read) values (${agentId}::uuid, ${ticketId}::uuid, ${seq})
          on conflict (agent_id, ticket_id) do update set customer_messages_read = excluded.customer_messages_read`);
      });
    } finally {
      release();
      await holder;
    }
  }

  it('the sweep’s recount', async () => {
    await expect(writesWhileHeld((tx) => agentsRepository.recountOpenChats(tx))).resolves.toBeUndefined();
  });

  it('a pass’s counters and turns', async () => {
    await expect(writesWhileHeld((tx) => agentsRepository.moveOpenChats(tx, [{ ticketId, from: null, to: agentId }]))).resolves.toBeUndefined();
    await expect(writesWhileHeld((tx) => agentsRepository.addOpenChats(tx, new Map([[agentId, 1]])))).resolves.toBeUndefined();
    await expect(writesWhileHeld((tx) => agentsRepository.markAssigned(tx, [agentId]))).resolves.toBeUndefined();
  });

  it('presence', async () => {
    await expect(writesWhileHeld((tx) => agentsRepository.markSeen(tx, [agentId], 60_000))).resolves.toBeUndefined();
  });
});
