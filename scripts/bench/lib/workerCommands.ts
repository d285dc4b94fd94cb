/**
 * The worker's side of scripts/bench/lib/workers.ts, imported by the worker processes (servers and
 * load generators) and nothing else: bundled into each of them, it must not import the harness.
 */

type Handler = (args: any) => unknown;

/** The child's side: answers each command with its handler's result; `stop` runs then exits. */
export function serveCommands(handlers: Record<string, Handler>, ready: unknown = true): void {
  process.on('message', async (message: { id: number; command: string; args?: unknown }) => {
    const handler = handlers[message.command];
    try {
      if (!handler && message.command !== 'stop') throw new Error(`unknown command ${message.command}`);
      const result = handler ? await handler(message.args) : undefined;
      if (message.command === 'stop') process.exit(0);
      process.send!({ id: message.id, result });
    } catch (error) {
      if (message.command === 'stop') process.exit(1);
      process.send!({ id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  });
  // The parent going away ends the worker, so no load generator outlives a crashed run.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready });
}

/** Memory after a full collection (the servers run with --expose-gc). */
export function memoryAfterGc(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage();
}
