import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach } from 'vitest';
import { localNodeEnv, TEST_POOL_SIZE } from '../../scripts/dev/nodeEnv.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** What `npm start` runs; tests/support/serverBuild.ts builds it once per run. */
export const NODE_BUNDLE = 'dist/server.js';

export interface NodeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Every node process this test file started, for `printNodeOutputOnFailure`. */
const started: Array<{ child: ChildProcess; output(): string }> = [];

/**
 * After a failed test, prints what each node process of the file logged (warnings and errors):
 * an INTERNAL answer or an unexpected exit is then explained in the test's own output.
 */
export function printNodeOutputOnFailure(): void {
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const node of started) console.error(`--- node process ${node.child.pid} (exit ${node.child.exitCode}) ---\n${node.output()}`);
  });
}

/** Runs `server/cli.ts` in its own process, as `npm start` would, on a random port. */
export function spawnNode(env: Record<string, string>): Promise<NodeProcess> {
  const child = spawnCli(env);
  let output = '';
  started.push({ child, output: () => output });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return new Promise((resolveStart, reject) => {
    // The whole output is kept (tests read what the node logged later); the start is watched for once.
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const onData = () => {
      const match = /Atende listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        resolveStart({
          url: match[1]!,
          child,
          output: () => output,
          async stop(signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`node exited (${code}) before listening:\n${output}`)));
  });
}

/** Runs the CLI expecting it to fail at start; resolves with its exit code and output. */
export function runNodeExpectingFailure(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnCli(env);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolveRun) => child.once('exit', (code) => resolveRun({ code, output })));
}

/** The node's bundle (`server/cli.ts`, built for the run), configured like the in-process test node (`localNodeEnv`). */
function spawnCli(env: Record<string, string>) {
  return spawn(process.execPath, [NODE_BUNDLE], {
    cwd: ROOT,
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', ...localNodeEnv({ LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: TEST_POOL_SIZE, ...env }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
