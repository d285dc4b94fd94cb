import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../scripts/dev/redisServer.js';

/**
 * Debian's HAProxy and nginx (`.ci/run` installs them), run as this test's own processes on a
 * free port, from the configurations shipped in `deploy/`: the test changes only where they
 * listen, the node addresses and the paths of their runtime files.
 */

const DEPLOY_DIR = resolve(import.meta.dirname, '../../deploy');

export interface LoadBalancer {
  /** Where clients reach the nodes through the proxy. */
  url: string;
  port: number;
  /** The configuration the proxy runs, as written to disk. */
  config: string;
  output(): string;
  stop(): Promise<void>;
}

export interface HaproxyBalancer extends LoadBalancer {
  /** `server name → status` (`UP`, `DOWN`, `MAINT`…) as HAProxy's health checks see the nodes now. */
  serverStatus(): Promise<Map<string, string>>;
}

/** Replaces what `pattern` matches in `text`; throws if it matches nothing (the shipped file changed shape). */
function replaceRequired(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`deploy config: nothing matches ${pattern}`);
  return text.replace(pattern, replacement);
}

/** deploy/haproxy.cfg, listening on 127.0.0.1:`port`, balancing over the nodes on these local ports. */
export function haproxyConfigFor(port: number, nodePorts: number[], statsSocket: string): string {
  let config = readFileSync(join(DEPLOY_DIR, 'haproxy.cfg'), 'utf8');
  config = replaceRequired(config, /^(\s*)bind :80$/m, `$1bind 127.0.0.1:${port}`);
  config = replaceRequired(config, /^\s*stats socket \S+/m, `    stats socket ${statsSocket}`);
  // The test runs as whoever runs it: no switch to the haproxy user.
  config = replaceRequired(config, /^\s*user haproxy\n\s*group haproxy\n/m, '');
  config = replaceRequired(
    config,
    /(^\s*server node\d \S+\n)+/m,
    nodePorts.map((nodePort, i) => `    server node${i + 1} 127.0.0.1:${nodePort}\n`).join(''),
  );
  return config;
}

/** deploy/nginx.conf, listening on 127.0.0.1:`port`, its runtime files in `dir`. */
export function nginxConfigFor(port: number, nodePorts: number[], dir: string): string {
  let config = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8');
  config = replaceRequired(config, /^user \S+;\n/m, '');
  config = replaceRequired(config, /^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
  config = replaceRequired(
    config,
    /(^\s*server 10\.0\.0\.\d+:3000([^;\n]*);\n)+/m,
    nodePorts.map((nodePort) => `        server 127.0.0.1:${nodePort}$2;\n`).join(''),
  );
  config = replaceRequired(config, /^error_log \S+[^;]*;$/m, `error_log ${join(dir, 'error.log')} warn;`);
  config = replaceRequired(config, /^(\s*)access_log \S+[^;]*;$/m, `$1access_log off;`);
  // Where an unprivileged nginx may write its buffers.
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${join(dir, kind)};`)
    .join('\n');
  return replaceRequired(config, /^http \{$/m, `http {\n${temp}`);
}

export async function startHaproxy(nodePorts: number[]): Promise<HaproxyBalancer> {
  const dir = mkdtempSync(join(tmpdir(), 'atende-haproxy-'));
  const port = await freePort();
  const statsSocket = join(dir, 'admin.sock');
  const config = haproxyConfigFor(port, nodePorts, statsSocket);
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  // -db: foreground, no daemon; SIGUSR1 would be a soft stop, SIGTERM stops at once.
  const proxy = await runUntilListening('haproxy', ['-f', file, '-db'], port, dir);
  return {
    ...proxy,
    config,
    serverStatus: () => haproxyServerStatus(statsSocket),
  };
}

export async function startNginx(nodePorts: number[]): Promise<LoadBalancer> {
  const dir = mkdtempSync(join(tmpdir(), 'atende-nginx-'));
  const port = await freePort();
  const config = nginxConfigFor(port, nodePorts, dir);
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  const proxy = await runUntilListening(
    'nginx',
    ['-c', file, '-e', join(dir, 'error.log'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`],
    port,
    dir,
  );
  return { ...proxy, config, output: () => `${proxy.output()}${readIfPresent(join(dir, 'error.log'))}` };
}

function readIfPresent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function runUntilListening(command: string, args: string[], port: number, dir: string) {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited (${child.exitCode}):\n${output}`);
    if (await accepts(port)) break;
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

/** Asks HAProxy's runtime API (`show stat`) for the status of each server of the backend. */
async function haproxyServerStatus(statsSocket: string): Promise<Map<string, string>> {
  const csv = await new Promise<string>((resolveAnswer, reject) => {
    const socket = createConnection(statsSocket);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.once('end', () => resolveAnswer(answer));
    socket.once('error', reject);
    socket.write('show stat\n');
  });
  const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
  const columns = header!.split(',');
  const [proxyName, serverName, status] = ['pxname', 'svname', 'status'].map((name) => columns.indexOf(name));
  const statuses = new Map<string, string>();
  for (const row of rows) {
    const fields = row.split(',');
    if (fields[proxyName!] === 'atende_nodes' && /^node\d$/.test(fields[serverName!]!)) {
      // "UP 1/2" while rising, "DOWN 1/2" while falling: the state before the space is what routes.
      statuses.set(fields[serverName!]!, fields[status!]!.split(' ')[0]!);
    }
  }
  return statuses;
}

/** Polls until `condition` holds (a state to reach, not an event to catch); throws after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}
