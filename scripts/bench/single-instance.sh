#!/usr/bin/env bash
# What one PostgreSQL and one Redis do on this machine, for docs/SCALING.md: short runs (≈ 1 min).
#   scripts/bench/single-instance.sh            # PostgreSQL at 127.0.0.1:5432 (user postgres), redis-server on PATH
# PostgreSQL: a scratch database with a table shaped like chat_messages (uuid key, unique
# (session, seq) and (session, clientMsgId), an 80-character body), written one committed row
# per transaction (what a node did before group commit) and 20 rows per transaction (a group
# commit's batch), 16 clients. Redis: a redis-server of its own; PUBLISH of a 400-byte payload
# (a message event's size) as the event bus and the Socket.IO adapter send it to three nodes, SPUBLISH to
# a room's own channel (sharded adapter), and a rate-limit point (a Lua EVAL).
set -euo pipefail
SECONDS_EACH=${SECONDS_EACH:-10}
PG="postgres://postgres@127.0.0.1:5432"
DB="atende_capacity_$$"
WORK=$(mktemp -d)
REDIS_PID=""
SUBSCRIBERS=()
cleanup() {
  for pid in "${SUBSCRIBERS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
  psql "$PG/postgres" -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "## PostgreSQL ($(psql "$PG/postgres" -tAc 'show server_version'), synchronous_commit $(psql "$PG/postgres" -tAc 'show synchronous_commit'))"
psql "$PG/postgres" -qc "create database $DB" >/dev/null
psql "$PG/$DB" -q >/dev/null <<'SQL'
create sequence seqs;
create table messages (
  id uuid primary key default gen_random_uuid(),
  session_id int not null,
  seq bigint not null,
  sender_type text not null,
  body text not null,
  client_msg_id text not null,
  created_at timestamptz not null default now(),
  unique (session_id, seq),
  unique (session_id, client_msg_id)
);
SQL
cat > "$WORK/one.sql" <<'SQL'
\set s random(1, 10000)
insert into messages (session_id, seq, sender_type, body, client_msg_id)
  values (:s, nextval('seqs'), 'client', repeat('m', 80), md5(random()::text));
SQL
cat > "$WORK/batch.sql" <<'SQL'
\set s random(1, 10000)
insert into messages (session_id, seq, sender_type, body, client_msg_id)
  select :s, nextval('seqs'), 'client', repeat('m', 80), md5(random()::text) from generate_series(1, 20);
SQL
one=$(pgbench -n -c 16 -j 2 -T "$SECONDS_EACH" -f "$WORK/one.sql" "$PG/$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
batch=$(pgbench -n -c 16 -j 2 -T "$SECONDS_EACH" -f "$WORK/batch.sql" "$PG/$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
printf 'one row per transaction:   %8.0f rows/s\n' "$one"
printf '20 rows per transaction:   %8.0f rows/s (%.0f transactions/s)\n' "$(echo "$batch * 20" | bc)" "$batch"

echo "## Redis ($(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'))"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
REDIS_PID=$!
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
PAYLOAD=$(head -c 400 /dev/zero | tr '\0' 'x')
rate() { # rate <redis-benchmark command…> : requests/s, 50 clients, pipelines of 16
  redis-benchmark -p "$PORT" -c 50 -P 16 -n 400000 -q "$@" 2>/dev/null |
    tr '\r' '\n' | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -n1
}
subscribe() { # subscribe <redis-cli subscription command…> : a listener that stays until the end
  redis-cli -p "$PORT" "$@" >/dev/null &
  SUBSCRIBERS+=($!)
}
printf 'PUBLISH, no subscriber:                          %8.0f /s\n' "$(rate PUBLISH 'atende:events' "$PAYLOAD")"
for _ in 1 2 3; do subscribe subscribe 'atende:events'; subscribe psubscribe 'atende#/chat#*'; done
until [ "$(redis-cli -p "$PORT" pubsub numsub 'atende:events' | tail -n1)" = 3 ] && [ "$(redis-cli -p "$PORT" pubsub numpat)" = 1 ]; do sleep 0.1; done
printf 'PUBLISH to 3 subscribed nodes (event bus):       %8.0f /s\n' "$(rate PUBLISH 'atende:events' "$PAYLOAD")"
printf 'PUBLISH to 3 pattern-subscribed nodes (adapter): %8.0f /s\n' "$(rate PUBLISH 'atende#/chat#session-1#' "$PAYLOAD")"
subscribe ssubscribe 'atende#/chat#session-1#'
until [ "$(redis-cli -p "$PORT" pubsub shardnumsub 'atende#/chat#session-1#' | tail -n1)" = 1 ]; do sleep 0.1; done
printf 'SPUBLISH to the 1 node holding the room:         %8.0f /s\n' "$(rate SPUBLISH 'atende#/chat#session-1#' "$PAYLOAD")"
printf 'rate-limit point (EVAL incr + pexpire):          %8.0f /s\n' \
  "$(rate EVAL "local n = redis.call('incr', KEYS[1]); if n == 1 then redis.call('pexpire', KEYS[1], 60000) end; return n" 1 'atende:rl:__rand_int__' -r 100000)"
