import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
// @ts-expect-error -- plain ESM build script without type declarations
import { bundleForNode } from '../../build.mjs';

const ROOT = resolve(import.meta.dirname, '../../..');

/** A child process (a server under test or a load generator) answering requests over IPC. */
export interface Worker<Ready = unknown> {
  ready: Ready;
  child: ChildProcess;
  request<T = unknown>(command: string, args?: unknown): Promise<T>;
  /** Asks it to finish (`stop` handler), then waits for the exit; killed if it does not. */
  stop(): Promise<void>;
}

interface Reply {
  id?: number;
  ready?: unknown;
  result?: unknown;
  error?: string;
}

/**
 * Node's flags for a server, as `npm start` gives them (package.json): a young generation of up
 * to 2 × 32 MB instead of 2 × 16 MB, so the objects of the messages in flight die young instead
 * of being promoted, and the scavenges that copy them run half as often (BENCHMARKS.md,
 * "The young generation"). The bare relay runs with them too, as the same kind of process.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'];

/** Every file forkWorker may run, under scripts/bench/. */
const WORKER_FILES = ['servers/atende.ts', 'servers/bare.ts', 'load/postgres.ts', 'load/sockets.ts'];
let bundled: Promise<string> | undefined;

/**
 * The workers bundled by esbuild (dependencies left in node_modules), once per process, into a
 * folder of this process under dist/bench/, removed at exit: a worker then starts in a fraction
 * of the time tsx takes to compile the sources on every start (the bench forks dozens).
 */
function bundleWorkers(): Promise<string> {
  bundled ??= (async () => {
    const outdir = resolve(ROOT, 'dist/bench', String(process.pid));
    removeBundlesOfGoneProcesses(resolve(ROOT, 'dist/bench'));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    await bundleForNode({
      entryPoints: WORKER_FILES.map((file) => ({ in: `scripts/bench/${file}`, out: file.replace(/\.ts$/, '') })),
      outdir,
    });
    return outdir;
  })();
  return bundled;
}

/** A test runner may end this process without its exit hook: the folders of processes gone go at the next bundling. */
function removeBundlesOfGoneProcesses(root: string): void {
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root)) {
    if (!/^\d+$/.test(entry) || isAlive(Number(entry))) continue;
    rmSync(join(root, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Forks `scripts/bench/<file>` (from its bundle) with `--expose-gc` (a server with
 * SERVER_NODE_FLAGS too), waits for its `ready` message, and returns a handle to send it commands.
 */
export async function forkWorker<Ready = unknown>(file: string, env: Record<string, string> = {}): Promise<Worker<Ready>> {
  if (!WORKER_FILES.includes(file)) throw new Error(`not a bench worker: ${file}`);
  const bundle = join(await bundleWorkers(), file.replace(/\.ts$/, '.js'));
  const child = fork(bundle, [], {
    cwd: ROOT,
    execArgv: [
      '--expose-gc',
      ...(file.startsWith('servers/') ? SERVER_NODE_FLAGS : []),
      // BENCH_CPU_PROFILE=<dir>: the Atende servers write a V8 CPU profile there when they stop.
      ...(process.env.BENCH_CPU_PROFILE && file.startsWith('servers/atende') ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : []),
    ],
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      for (const waiter of pending.values()) waiter.reject(new Error(`${file} exited (${code ?? signal}): ${stderr}`));
      pending.clear();
      done();
    }),
  );
  return new Promise((resolveReady, rejectReady) => {
    child.on('message', (message: Reply) => {
      if (message.ready !== undefined) {
        resolveReady(handle(message.ready as Ready));
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id!);
      if (message.error !== undefined) waiter.reject(new Error(`${file}: ${message.error}`));
      else waiter.resolve(message.result);
    });
    void exited.then(() => rejectReady(new Error(`${file} exited before it was ready:\n${stderr}`)));
  });

  function handle(ready: Ready): Worker<Ready> {
    return {
      ready,
      child,
      request<T>(command: string, args?: unknown) {
        const id = nextId++;
        return new Promise<T>((resolveReply, rejectReply) => {
          pending.set(id, { resolve: resolveReply as (value: unknown) => void, reject: rejectReply });
          child.send({ id, command, args });
        });
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.send({ id: 0, command: 'stop' });
        await exited;
        clearTimeout(timer);
      },
    };
  }
}
