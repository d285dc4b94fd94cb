import postgres from 'postgres';

/** What a load generator sent on one session: acknowledged messages, and sends that failed or went unanswered. */
export interface SessionSends {
  sessionId: string;
  acked: number;
  failed: number;
}

/** Every acknowledged message in the database exactly once, each session's seqs gap-free. */
export interface StoredOnce {
  sessions: number;
  acked: number;
  stored: number;
  /** Acknowledged but not in the database: an ack that was not a commit. */
  missing: number;
  /** Stored twice under one clientMsgId. */
  duplicated: number;
  /** Stored beyond the acks of a session whose sends all succeeded: written without an ack. */
  unacknowledged: number;
  /** Sessions whose seqs are not exactly 1..last_seq, or whose last_seq is not the last stored seq. */
  seqGaps: number;
}

/**
 * Checks a benchmark's sends against what the database holds, session by session: as many
 * messages as were acknowledged (more only where sends failed: a send can commit and lose its
 * answer), none twice, seqs from 1 without a gap, and the session's last_seq on the last one
 * (unless `lastSeqKept` is false: a baseline that counts seqs itself and writes no session row).
 * The load sends each message with a fresh clientMsgId, so one id stored twice is a duplicate.
 */
export async function checkStoredOnce(databaseUrl: string, sends: SessionSends[], { lastSeqKept = true } = {}): Promise<StoredOnce> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<Array<{ session_id: string; last_seq: number; stored: number; ids: number; min_seq: number | null; max_seq: number | null }>>`
      select s.id as session_id, s.last_seq, count(m.id)::int as stored, count(distinct m.client_msg_id)::int as ids,
             min(m.seq) as min_seq, max(m.seq) as max_seq
      from chat_sessions s left join chat_messages m on m.session_id = s.id
      where s.id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(sends.map((send) => send.sessionId))}::text::jsonb))
      group by s.id, s.last_seq`;
    const bySession = new Map(rows.map((row) => [row.session_id, row]));
    const result: StoredOnce = { sessions: sends.length, acked: 0, stored: 0, missing: 0, duplicated: 0, unacknowledged: 0, seqGaps: 0 };
    for (const send of sends) {
      const row = bySession.get(send.sessionId);
      const stored = row?.stored ?? 0;
      result.acked += send.acked;
      result.stored += stored;
      result.missing += Math.max(0, send.acked - stored);
      result.duplicated += stored - (row?.ids ?? 0);
      if (send.failed === 0) result.unacknowledged += Math.max(0, stored - send.acked);
      const seqsGapFree = stored === 0 || (row?.min_seq === 1 && row.max_seq === stored);
      const gapFree = seqsGapFree && (!lastSeqKept || row?.last_seq === stored);
      if (!gapFree) result.seqGaps++;
    }
    return result;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** How many rows `table` holds (a benchmark's own check of what a baseline wrote). */
export async function countRows(databaseUrl: string, table: 'chat_sessions' | 'chat_messages'): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from ${sql(table)}`;
    return row!.n;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
