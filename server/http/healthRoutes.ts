import { Router } from 'express';

/** A dependency `/readyz` asks: the database, and Redis when configured. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * `/healthz` (the process serves) and `/readyz` (send it traffic). A node told to stop answers
 * `/readyz` with 503 `draining` while it still serves, so a load balancer takes it out of the
 * pool before it stops accepting.
 */
export function createHealthRoutes(checks: ReadinessCheck[], isDraining: () => boolean = () => false): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    if (isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch {
          // The component's name only: a driver's error text tells strangers about our internals.
          return [name, 'failed'] as const;
        }
      }),
    );
    const failed = results.filter(([, outcome]) => outcome !== 'ok').map(([name]) => name);
    res.status(failed.length === 0 ? 200 : 503).json({
      status: failed.length === 0 ? 'ok' : 'unavailable',
      checks: Object.fromEntries(results),
      ...(failed.length > 0 ? { failed } : {}),
    });
  });

  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
