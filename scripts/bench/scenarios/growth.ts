import { fmt, markdownTable } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { lineChartSvg } from '../lib/svgChart.js';

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
  const charts = growthCharts(reports);
  if (charts.length) sections.unshift(chartReferences(charts));
  return {
    id: 'growth',
    title: '5. Growth',
    method: 'The series of scenarios 1 and 3 side by side, with where each throughput curve bends (see the analysis below for why).',
    sections,
    figures,
  };
}

/** Where the growth curves are drawn (docs/bench/, relative to the repository), shown by BENCHMARKS.md. */
export const GROWTH_CHART_DIR = 'docs/bench';

/** The growth curves of scenarios 1 and 3 as SVG files: memory per socket, messages/s and ack p99 against load. */
export function growthCharts(reports: ScenarioReport[]): Array<{ file: string; title: string; svg: string }> {
  const charts: Array<{ file: string; title: string; svg: string }> = [];
  const connections = reports.find((r) => r.id === 'connections')?.series;
  const messages = reports.find((r) => r.id === 'messages')?.series;
  if (connections) {
    const title = 'Memory per idle socket as sockets grow';
    const series = Object.entries(connections).map(([name, points]) => ({ name, points }));
    charts.push({ file: 'memory-per-socket.svg', title, svg: lineChartSvg({ title, xLabel: 'sockets held', yLabel: 'KiB per socket', series }) });
  }
  if (messages) {
    const throughput = 'Persisted messages per second as messages in flight grow';
    const latency = 'Ack p99 as messages in flight grow';
    const entries = Object.entries(messages);
    charts.push({
      file: 'messages-per-second.svg',
      title: throughput,
      svg: lineChartSvg({ title: throughput, xLabel: 'messages in flight', yLabel: 'messages / s', series: entries.map(([name, points]) => ({ name, points })) }),
    });
    charts.push({
      file: 'ack-p99.svg',
      title: latency,
      svg: lineChartSvg({
        title: latency,
        xLabel: 'messages in flight',
        yLabel: 'ack p99 (ms)',
        series: entries.map(([name, points]) => ({ name, points: points.map((p) => ({ x: p.x, y: p.p99 ?? Number.NaN })) })),
      }),
    });
  }
  return charts;
}

/** Markdown showing the charts (paths relative to BENCHMARKS.md at the repository's root). */
export function chartReferences(charts: Array<{ file: string; title: string }>): string {
  return charts.map((chart) => `![${chart.title}](${GROWTH_CHART_DIR}/${chart.file})`).join('\n\n');
}
