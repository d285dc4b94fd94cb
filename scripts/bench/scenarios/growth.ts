import { fmt, markdownTable } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';

/** Where a throughput series stops growing: the first step that adds less than 10%. */
function bend(points: Array<{ x: number; y: number }>): number | undefined {
  for (let i = 1; i < points.length; i++) if (points[i]!.y < points[i - 1]!.y * 1.1) return points[i - 1]!.x;
  return undefined;
}

/** 5. How the figures of 1 and 3 move as the load grows, from the series those runs kept. */
export function growth(reports: ScenarioReport[]): ScenarioReport | undefined {
  const connections = reports.find((r) => r.id === 'connections' && r.series);
  const messages = reports.find((r) => r.id === 'messages' && r.series);
  if (!connections && !messages) return undefined;
  const sections: string[] = [];
  const figures: Record<string, number> = {};

  if (connections?.series) {
    const names = Object.keys(connections.series);
    const sizes = connections.series[names[0]!]!.map((p) => p.x);
    sections.push(
      '**Memory per idle socket as sockets grow** (KiB; a flat line means memory is linear in sockets):',
      markdownTable(['sockets', ...names], sizes.map((x, i) => [x.toLocaleString('en-US'), ...names.map((n) => fmt(connections.series![n]![i]?.y))])),
    );
  }
  if (messages?.series) {
    const names = Object.keys(messages.series);
    const loads = messages.series[names[0]!]!.map((p) => p.x);
    sections.push(
      '**Messages per second (ack p99 ms) as messages in flight grow:**',
      markdownTable(
        ['in flight', ...names],
        loads.map((x, i) => [x, ...names.map((n) => `${fmt(messages.series![n]![i]?.y, 0)} (${fmt(messages.series![n]![i]?.p99, 1)})`)]),
      ),
      markdownTable(
        ['series', 'stops growing (+<10%) after in flight'],
        names.map((n) => [n, bend(messages.series![n]!)?.toString() ?? 'still growing at the largest load']),
      ),
    );
    for (const n of names) figures[`bend ${n}`] = bend(messages.series[n]!) ?? Number.NaN;
  }
  return {
    id: 'growth',
    title: '5. Growth',
    method: 'The series of scenarios 1 and 3 side by side, with where each throughput curve bends (see the analysis below for why).',
    sections,
    figures,
  };
}
