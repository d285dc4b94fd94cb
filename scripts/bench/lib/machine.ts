import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import postgres from 'postgres';
import { ADMIN_URL } from '../../dev/postgres.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(resolve(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', shell: false }).trim();
  } catch {
    return '?';
  }
}

/** What the figures were measured on, as a Markdown list. */
export async function describeMachine(): Promise<string> {
  const client = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  let pg = '?';
  try {
    const [row] = await client`show server_version`;
    const [commit] = await client`show synchronous_commit`;
    pg = `${row!.server_version} (synchronous_commit ${commit!.synchronous_commit})`;
  } finally {
    await client.end();
  }
  const cpu = cpus();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu.length} × ${cpu[0]?.model ?? '?'}; memory ${Math.round(totalmem() / 2 ** 30)} GiB; open files per process ${command('sh', ['-c', 'ulimit -n'])}`,
    `- Node ${process.version}; PostgreSQL ${pg}; ${command('redis-server', ['--version']).split(' ').slice(0, 3).join(' ')}`,
    `- socket.io ${packageVersion('socket.io')}, socket.io-client ${packageVersion('socket.io-client')}, postgres.js ${packageVersion('postgres')}, drizzle-orm ${packageVersion('drizzle-orm')}, @trpc/server ${packageVersion('@trpc/server')}, prom-client ${packageVersion('prom-client')}`,
    '- Everything on this one machine: server(s), PostgreSQL, Redis and the load generators share its cores.',
  ].join('\n');
}
