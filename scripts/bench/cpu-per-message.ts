/**
 * The node's CPU time per persisted message: an Atende node (its own process, on a fresh
 * PostgreSQL database) takes `message:send` from `--sockets` sockets of two load-generator
 * processes, two in flight each, for three runs of `--duration` seconds; its user + system
 * time (from /proc) over each run, divided by the messages acknowledged. On this two-core
 * machine throughput moves with whatever else runs; the node's own CPU per message moves less,
 * so it shows what a change to the message path saves.
 *
 *   npx tsx scripts/bench/cpu-per-message.ts [--sockets 50] [--duration 5]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPostgresDatabase, startAtende, startSocketLoad, stopAll } from './lib/services.js';
import { split } from './scenarios/chatStart.js';

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '50' }, duration: { type: 'string', default: '5' } } });
const sockets = Number(values.sockets);
const durationMs = Number(values.duration) * 1000;

/** A process's user + system CPU time so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const database = await createPostgresDatabase();
const server = await startAtende({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: '10' });
const load = await startSocketLoad(2);
try {
  await Promise.all(split(sockets, load.length).map((count, g) => load[g]!.request('open', { url: server.ready.url, count })));
  await Promise.all(load.map((g) => g.request('messages', { window: 2, durationMs: 2000, sockets: 10 }))); // warm-up
  console.log(`| run | messages acked | per second | node CPU ms | node CPU per message (µs) |\n| --- | --- | --- | --- | --- |`);
  for (let run = 1; run <= 3; run++) {
    const before = cpuMs(server.child.pid!);
    const runs = await Promise.all(
      split(sockets, load.length).map((count, g) => load[g]!.request<{ latencies: number[] }>('messages', { window: 2, durationMs, sockets: count })),
    );
    const acked = runs.reduce((sum, r) => sum + r.latencies.length, 0);
    const used = cpuMs(server.child.pid!) - before;
    console.log(`| ${run} | ${acked} | ${Math.round(acked / (durationMs / 1000))} | ${used} | ${((1000 * used) / acked).toFixed(1)} |`);
  }
} finally {
  await stopAll([...load, server]);
  await database.drop();
}
