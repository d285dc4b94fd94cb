import { readFileSync } from 'node:fs';
import { createPostgresDatabase, startAtende, startSocketLoad, stopAll } from './lib/services.js';
import { forkWorker } from './lib/workers.js';
import { migratePostgresDatabase } from '../../server/db/migrate.js';
const level = Number(process.argv[2] ?? 4);
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const machine = () => { const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number); const idle = f[3]! + f[4]!; const total = f.reduce((s, x) => s + x, 0); return { busy: (total - idle) * 10, total: total * 10 }; };
const [a, r] = await Promise.all([createPostgresDatabase(), createPostgresDatabase()]);
await migratePostgresDatabase(r.url);
const server = await startAtende({ DATABASE_URL: a.url });
const load = await startSocketLoad(2);
const base = await forkWorker('load/postgres.ts');
await base.request('connect', { url: r.url });
const url = server.ready.url;
await Promise.all([load[0]!.request('starts', { url, concurrency: 2, durationMs: 1000 }), base.request('chatStarts', { concurrency: 2, durationMs: 1000 })]);
for (let round = 0; round < 2; round++) {
  let m0 = machine(), n0 = cpu(server.child.pid!), l0 = cpu(load[0]!.child.pid!) + cpu(load[1]!.child.pid!);
  const runs: any[] = await Promise.all([level - (level >> 1), level >> 1].filter((c) => c > 0).map((c, g) => load[g]!.request('starts', { url, concurrency: c, durationMs: 5000 })));
  let m1 = machine(); const n = runs.reduce((s, x) => s + x.latencies.length, 0);
  const node = cpu(server.child.pid!) - n0, lg = cpu(load[0]!.child.pid!) + cpu(load[1]!.child.pid!) - l0, all = m1.busy - m0.busy;
  console.log(`atende ${level}: ${(n / 5).toFixed(0)}/s  per start ms: machine ${(all / n).toFixed(2)} node ${(node / n).toFixed(2)} loadgen ${(lg / n).toFixed(2)} rest(pg…) ${((all - node - lg) / n).toFixed(2)}  machine busy ${(100 * all / (m1.total - m0.total)).toFixed(0)}%`);
  m0 = machine(); const b0 = cpu(base.child.pid!);
  const rr: any = await base.request('chatStarts', { concurrency: level, durationMs: 5000 });
  m1 = machine(); const rn = rr.latencies.length; const bc = cpu(base.child.pid!) - b0, ball = m1.busy - m0.busy;
  console.log(`raw    ${level}: ${(rn / 5).toFixed(0)}/s  per start ms: machine ${(ball / rn).toFixed(2)} client ${(bc / rn).toFixed(2)} rest(pg…) ${((ball - bc) / rn).toFixed(2)}  machine busy ${(100 * ball / (m1.total - m0.total)).toFixed(0)}%`);
}
await stopAll([...load, server, base]);
await Promise.all([a.drop(), r.drop()]);
