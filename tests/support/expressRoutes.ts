import type { Express } from 'express';

interface LayerLike {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/**
 * Every route an Express app answers, as `METHOD /path` with OpenAPI's `{param}` form,
 * found by walking its router stack (mounted routers included).
 */
export function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') found.push(`${method.toUpperCase()} ${openApiPath(prefix + path)}`);
          }
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = [layer.rawPath ?? ''].flat()[0] ?? '';
        walk(layer.handle.stack, prefix + (mount === '/' ? '' : mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return [...new Set(found)];
}

function openApiPath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  return trimmed.replace(/:(\w+)/g, '{$1}');
}
