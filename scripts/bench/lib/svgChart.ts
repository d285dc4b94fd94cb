/**
 * A line chart as a standalone SVG file (no library): series of (x, y) points on a log x axis
 * (loads grow by multiples) and a linear y axis from zero, ticks, a legend.
 */

export interface SvgSeries {
  name: string;
  points: Array<{ x: number; y: number }>;
}

export interface SvgChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: SvgSeries[];
}

const COLORS = ['#0b6e4f', '#2541b2', '#b45309', '#7e22ce', '#c81e1e', '#4b5563'];
const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { top: 44, right: 24, bottom: 56, left: 72 };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const number = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 1 : 0 });

/** A round step giving about `count` ticks from 0 to max. */
function niceStep(max: number, count = 5): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw;
}

export function lineChartSvg(chart: SvgChart): string {
  const points = chart.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.x > 0);
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const [minX, maxX] = [Math.log10(xs[0] ?? 1), Math.log10(xs.at(-1) ?? 10)];
  const step = niceStep(Math.max(1e-9, ...points.map((p) => p.y)));
  const maxY = Math.max(step, Math.ceil(Math.max(0, ...points.map((p) => p.y)) / step) * step);
  const sx = (x: number) => MARGIN.left + (maxX === minX ? plotW / 2 : ((Math.log10(x) - minX) / (maxX - minX)) * plotW);
  const sy = (y: number) => MARGIN.top + plotH - (y / maxY) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="${escape(chart.title)}">`,
    `<title>${escape(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escape(chart.title)}</text>`,
  ];
  for (let y = 0; y <= maxY + step / 2; y += step) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${sy(y)}" y2="${sy(y)}" stroke="#e4e7eb"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${sy(y) + 4}" text-anchor="end" fill="#52606d">${number(y)}</text>`);
  }
  for (const x of xs) {
    parts.push(`<line x1="${sx(x)}" x2="${sx(x)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#f0f2f4"/>`);
    parts.push(`<text x="${sx(x)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle" fill="#52606d">${number(x)}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#52606d"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escape(chart.xLabel)} (log scale)</text>`);
  parts.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`);
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const valid = series.points.filter((p) => Number.isFinite(p.y) && p.x > 0);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${valid.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of valid) parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${color}"><title>${escape(series.name)}: ${number(p.y)} at ${number(p.x)}</title></circle>`);
  });
  // The legend over the lines, on a light box.
  const legendWidth = 12 + 7 * Math.max(...chart.series.map((series) => series.name.length));
  parts.push(`<rect x="${MARGIN.left + 4}" y="${MARGIN.top - 4}" width="${legendWidth}" height="${chart.series.length * 16 + 8}" fill="#fff" fill-opacity="0.85" stroke="#e4e7eb"/>`);
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const ly = MARGIN.top + 8 + i * 16;
    parts.push(`<rect x="${MARGIN.left + 10}" y="${ly - 5}" width="12" height="3" fill="${color}"/>`);
    parts.push(`<text x="${MARGIN.left + 28}" y="${ly}">${escape(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
