import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBanner, widgetSnippet } from '../server/startBanner.js';
import { localNodeEnv } from '../scripts/dev/nodeEnv.js';
import { agentClient } from './support/agent.js';
import { NODE_BUNDLE, spawnNode } from './support/processNode.js';

/**
 * The first start speaks to a person: on a terminal, a plain banner with the demo page, the
 * console, the widget's snippet and (fresh database) the admin token; piped to a log
 * collector, only the log lines.
 */

const ROOT = resolve(import.meta.dirname, '..');
const dataDirs: string[] = [];

function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atende-banner-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * `server/cli.ts` with a pseudo-terminal as its stdout (util-linux `script`), as when a person
 * runs `npm start`; resolves with what the terminal showed once the banner is complete.
 */
async function startOnTerminal(dataDir: string): Promise<{ screen: string; stop(): Promise<void> }> {
  const env = { ...process.env, DOTENV_CONFIG_QUIET: 'true', ...localNodeEnv({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ADMIN_TOKEN: '' }) };
  // Its own process group: stopping it stops `script` and the node under it, and nothing else.
  const child = spawn('script', ['-qfec', `exec ${process.execPath} ${NODE_BUNDLE}`, '/dev/null'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  let screen = '';
  await new Promise<void>((resolveStart, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString().replace(/\r/g, '');
      if (/Fan-out .*\n/.test(screen)) resolveStart();
    });
    void exited.then(() => reject(new Error(`exited before the banner:\n${screen}`)));
  });
  return {
    screen,
    async stop() {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

describe('the start banner', () => {
  it('names the demo page, the console, the widget snippet, and the admin token only when one was just created', () => {
    const fresh = startBanner({
      publicUrl: 'https://chat.loja.example',
      generatedAdminToken: 'atd_abc',
      database: { driver: 'pglite', dataDir: './data' },
      redis: false,
    });
    expect(fresh).toContain('https://chat.loja.example/console');
    expect(fresh).toContain('Demo page      https://chat.loja.example/');
    expect(fresh).toContain(widgetSnippet('https://chat.loja.example'));
    expect(widgetSnippet('https://chat.loja.example')).toBe(
      '<script src="https://chat.loja.example/widget.js" data-atende-url="https://chat.loja.example" data-locale="pt-BR" async></script>',
    );
    expect(fresh).toMatch(/Admin token +atd_abc\n.*store it now/);

    const again = startBanner({ publicUrl: 'https://chat.loja.example', database: { driver: 'postgres' }, redis: true });
    expect(again).not.toContain('Admin token');
    expect(again).toContain('npx atende agents create');
  });

  it('on a terminal, the first start on a fresh database shows the banner with a working admin token; the next start shows no token', async () => {
    const dataDir = freshDataDir();
    const first = await startOnTerminal(dataDir);
    try {
      const url = /Agent console +(http:\/\/localhost:\d+)\/console/.exec(first.screen)?.[1];
      const token = /Admin token +(atd_\S+)/.exec(first.screen)?.[1];
      expect(url, first.screen).toBeDefined();
      expect(token, first.screen).toBeDefined();
      expect(first.screen).toContain(widgetSnippet(url!));
      // The node listens on 127.0.0.1 here; the banner's localhost is the same machine.
      const api = agentClient(url!.replace('localhost', '127.0.0.1'), token!);
      expect(await api.agents.me.query()).toMatchObject({ role: 'admin', email: 'admin@atende.local' });
    } finally {
      await first.stop();
    }

    const second = await startOnTerminal(dataDir);
    await second.stop();
    expect(second.screen).toContain('Agent console');
    expect(second.screen).not.toContain('Admin token');
  });

  it('with stdout not a terminal (a log collector), there is no banner: the log line still carries the new token', async () => {
    const node = await spawnNode({ DATA_DIR: freshDataDir(), ADMIN_TOKEN: '' });
    await node.stop();
    expect(node.output()).toMatch(/"level":40.*API token atd_/);
    expect(node.output()).not.toContain('Agent console');
  });
});
