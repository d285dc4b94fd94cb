import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el } from '../../common/dom.js';

/**
 * Time-series charts drawn by uPlot (canvas). They are pictures for the eye: each has its
 * numbers in a table next to it, so the chart itself is hidden from screen readers.
 */

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
  /** Drawn as bars rather than a line. */
  bars?: boolean;
}

export interface ChartSpec {
  /** Bucket starts, ms since the epoch. */
  x: number[];
  series: ChartSeries[];
  /** Labels of the y axis' ticks. */
  formatY?: (value: number) => string;
  height?: number;
}

const MIN_WIDTH = 280;

/** A chart that fills its container's width and follows it; destroyed when `signal` aborts. */
export function timeChart(spec: ChartSpec, signal: AbortSignal): HTMLElement {
  const container = el('div', { class: 'chart', 'aria-hidden': 'true' });
  const height = spec.height ?? 220;
  const bars = uPlot.paths.bars!({ size: [0.6, 48] });
  const options: uPlot.Options = {
    width: MIN_WIDTH,
    height,
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
    series: [
      {},
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        fill: s.bars ? `${s.color}99` : undefined,
        paths: s.bars ? bars : undefined,
        points: { show: !s.bars && spec.x.length <= 48 },
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : spec.formatY ? spec.formatY(v) : String(v)),
      })),
    ],
    axes: [{}, { values: (_u, ticks) => ticks.map((t) => (spec.formatY ? spec.formatY(t) : String(t))), size: 60 }],
    cursor: { drag: { x: false, y: false } },
  };
  const data: uPlot.AlignedData = [spec.x.map((ms) => ms / 1000), ...spec.series.map((s) => s.values)];
  const chart = new uPlot(options, data, container);
  const resize = () => chart.setSize({ width: Math.max(MIN_WIDTH, container.clientWidth), height });
  const observer = new ResizeObserver(resize);
  observer.observe(container);
  signal.addEventListener('abort', () => {
    observer.disconnect();
    chart.destroy();
  });
  return container;
}

/** Horizontal bars for a few categories (no axis needed): label, bar, value. */
export function categoryBars(items: Array<{ label: string; share: number | null; text: string; color: string }>): HTMLElement {
  return el(
    'div',
    { class: 'category-bars', 'aria-hidden': 'true' },
    ...items.map((item) => {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${Math.round((item.share ?? 0) * 100)}%`;
      bar.style.background = item.color;
      return el('div', { class: 'category' }, el('span', { class: 'label' }, item.label), el('span', { class: 'track' }, bar), el('span', { class: 'value' }, item.text));
    }),
  );
}
