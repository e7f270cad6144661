import { scaleLinear, scaleLog } from 'd3-scale';
import { line } from 'd3-shape';

export interface Series {
  name: string;
  color: string;
  /** [x, y] points; y > 0 on a log axis. */
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  logY?: boolean;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A static SVG line chart. Scales, ticks and path geometry come from d3-scale and d3-shape
 * (they need no DOM); the axes and legend are a few SVG elements written here.
 */
export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 800;
  const H = o.height ?? 420;
  const m = { top: 40, right: 230, bottom: 50, left: 70 };
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => (o.logY ? v > 0 : Number.isFinite(v)));
  const x = scaleLinear()
    .domain([Math.min(...xs), Math.max(...xs)])
    .range([m.left, W - m.right]);
  const y = (o.logY ? scaleLog() : scaleLinear())
    .domain([Math.min(...ys), Math.max(...ys)])
    .nice()
    .range([H - m.bottom, m.top]);
  const path = line<readonly [number, number]>()
    .defined((p) => (o.logY ? p[1] > 0 : Number.isFinite(p[1])))
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${m.left}" y="22" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  // Grid and ticks.
  const yTicks = o.logY ? y.ticks().filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9) : y.ticks(6);
  for (const t of yTicks) {
    const py = y(t).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${m.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(o.logY ? `1e${Math.round(Math.log10(t))}` : String(t))}</text>`,
    );
  }
  for (const t of x.ticks(8)) {
    const px = x(t).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${m.top}" y2="${H - m.bottom}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${px}" y="${H - m.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  // Series and legend.
  o.series.forEach((s, i) => {
    out.push(`<path d="${path(s.points) ?? ''}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    const ly = m.top + 10 + i * 20;
    out.push(
      `<line x1="${W - m.right + 12}" x2="${W - m.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text x="${W - m.right + 46}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
