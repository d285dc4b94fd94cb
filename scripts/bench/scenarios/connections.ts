import { fmt, markdownTable, ratio } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, startBare, startSocketLoad, stopAll, type ServerWorker } from '../lib/services.js';
import type { Worker } from '../lib/workers.js';

export interface ConnectionsOptions {
  /** Sockets held, one measurement (and one fresh server) per size. */
  sizes: number[];
  /** Sockets per load-generator process (each binds its own 127.0.0.x source address). */
  socketsPerGenerator?: number;
}

interface Held {
  sockets: number;
  failed: number;
  openPerSecond: number;
  heapPerSocket: number;
  rssPerSocket: number;
  heapMb: number;
  rssMb: number;
}

type Memory = { heapUsed: number; rss: number };

/**
 * Idle customer sockets held by one node, each in a session room of its own (each socket
 * started a chat), against a bare Socket.IO server holding the same sockets, each in a room.
 * Memory is read in the server's process after a full GC, before and after the sockets.
 */
export async function runConnections(options: ConnectionsOptions): Promise<ScenarioReport> {
  const perGenerator = options.socketsPerGenerator ?? 5000;
  const results: Record<'atende' | 'bare', Held[]> = { atende: [], bare: [] };

  for (const size of options.sizes) {
    for (const target of ['bare', 'atende'] as const) {
      const database = target === 'atende' ? await createPostgresDatabase() : undefined;
      let server: ServerWorker | undefined;
      let load: Worker[] = [];
      try {
        server = target === 'atende' ? await startAtende({ DATABASE_URL: database!.url }) : await startBare();
        const generators = Math.max(1, Math.ceil(size / perGenerator));
        load = await startSocketLoad(generators);
        // Warm-up: code paths compiled, pools opened; those sockets are gone before "before".
        await load[0]!.request('open', { url: server.ready.url, count: Math.min(50, size) });
        await load[0]!.request('close');
        const before = await server.request<Memory>('memory');
        const began = performance.now();
        const opened = await Promise.all(
          load.map((generator, g) =>
            generator.request<{ held: number; failed: number; firstError?: string }>('open', {
              url: server!.ready.url,
              count: Math.floor(size / generators) + (g < size % generators ? 1 : 0),
              concurrency: 100,
              localAddress: `127.0.0.${2 + g}`,
            }),
          ),
        );
        const seconds = (performance.now() - began) / 1000;
        const after = await server.request<Memory>('memory');
        const held = opened.reduce((sum, o) => sum + o.held, 0);
        const failed = opened.reduce((sum, o) => sum + o.failed, 0);
        if (failed > 0) console.warn(`  ${target} ${size}: ${failed} sockets failed (${opened.find((o) => o.firstError)?.firstError})`);
        results[target].push({
          sockets: held,
          failed,
          openPerSecond: held / seconds,
          heapPerSocket: (after.heapUsed - before.heapUsed) / held,
          rssPerSocket: (after.rss - before.rss) / held,
          heapMb: after.heapUsed / 2 ** 20,
          rssMb: after.rss / 2 ** 20,
        });
        console.log(
          `  ${target.padEnd(6)} ${String(held).padStart(6)} sockets: heap ${fmt(results[target].at(-1)!.heapPerSocket / 1024)} KiB/socket, RSS ${fmt(results[target].at(-1)!.rssPerSocket / 1024)} KiB/socket`,
        );
        await Promise.all(load.map((generator) => generator.request('close')));
      } finally {
        await stopAll([...load, server]);
        await database?.drop();
      }
    }
  }

  const rows = options.sizes.map((_, i) => {
    const a = results.atende[i]!;
    const b = results.bare[i]!;
    return [
      a.sockets.toLocaleString('en-US'),
      fmt(a.heapPerSocket / 1024),
      fmt(b.heapPerSocket / 1024),
      ratio(a.heapPerSocket, b.heapPerSocket),
      fmt(a.rssPerSocket / 1024),
      fmt(b.rssPerSocket / 1024),
      ratio(a.rssPerSocket, b.rssPerSocket),
      `${fmt(a.rssMb, 0)} / ${fmt(b.rssMb, 0)}`,
      `${fmt(a.openPerSecond, 0)} / ${fmt(b.openPerSecond, 0)}`,
    ];
  });
  const largest = results.atende.at(-1)!;
  const largestBare = results.bare.at(-1)!;
  return {
    id: 'connections',
    title: '1. Connections held',
    method:
      'Fresh server per size (Atende over PostgreSQL, or the bare Socket.IO baseline), sockets opened by load-generator ' +
      'processes (socket.io-client, WebSocket transport, ≤ 5,000 sockets each, each bound to its own 127.0.0.x). Each ' +
      'socket starts a chat (Atende: customer, ticket, session; bare: joins a room of its own) and then stays idle. ' +
      'Memory is read inside the server process after two full GCs, after a 50-socket warm-up and after the sockets are ' +
      'held; per socket = difference / sockets.',
    sections: [
      markdownTable(
        ['sockets', 'Atende heap KiB/socket', 'bare heap KiB/socket', 'heap ratio', 'Atende RSS KiB/socket', 'bare RSS KiB/socket', 'RSS ratio', 'RSS MiB Atende / bare', 'opened/s Atende / bare (chat:start incl.)'],
        rows,
      ),
    ],
    series: {
      'Atende heap KiB/socket': results.atende.map((r) => ({ x: r.sockets, y: r.heapPerSocket / 1024 })),
      'bare heap KiB/socket': results.bare.map((r) => ({ x: r.sockets, y: r.heapPerSocket / 1024 })),
      'Atende RSS KiB/socket': results.atende.map((r) => ({ x: r.sockets, y: r.rssPerSocket / 1024 })),
      'bare RSS KiB/socket': results.bare.map((r) => ({ x: r.sockets, y: r.rssPerSocket / 1024 })),
    },
    figures: {
      sockets: largest.sockets,
      failed: largest.failed + largestBare.failed,
      heapPerSocket: largest.heapPerSocket,
      bareHeapPerSocket: largestBare.heapPerSocket,
      heapRatio: largest.heapPerSocket / largestBare.heapPerSocket,
      rssRatio: largest.rssPerSocket / largestBare.rssPerSocket,
    },
  };
}
