import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import type { ConformanceReport } from '../conformance.js';
import type { SpeedRow } from '../speed.js';

/**
 * Charts as SVG strings, rendered in Node by vega (no canvas, no browser, no network):
 * vega-lite specs compiled to vega, then `view.toSVG()`.
 */

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const quiet = vega.logger(vega.None);
  const view = new vega.View(vega.parse(compile(spec, { logger: quiet }).spec), { renderer: 'none', logger: quiet });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT = { font: 'system-ui, sans-serif', labelFont: 'system-ui, sans-serif', titleFont: 'system-ui, sans-serif' };
const config = {
  font: FONT.font,
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: '#ddd' },
};

/** GFLOPS per engine on each standard shape, one panel per cell, for one task. */
export function speedChart(rows: readonly SpeedRow[], task: 'forward' | 'train'): TopLevelSpec | undefined {
  const values = rows
    .filter((r) => r.series === 'standard' && r.task === task && r.gflops !== undefined)
    .map((r) => ({ cell: r.cell, shape: r.shapeLabel, engine: r.engine, gflops: r.gflops, ms: r.medianMs }));
  if (!values.length) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${task === 'forward' ? 'Inference (forward)' : 'Training step'}: GFLOPS by shape (D,H,T,B)`,
    data: { values },
    config,
    facet: { column: { field: 'cell', type: 'nominal', title: null } },
    spec: {
      width: 220,
      height: 200,
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'shape', type: 'nominal', title: null, axis: { labelAngle: -30 } },
        xOffset: { field: 'engine', type: 'nominal' },
        y: { field: 'gflops', type: 'quantitative', title: 'GFLOPS' },
        color: { field: 'engine', type: 'nominal', title: 'engine' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** Median ms against T or H (log-log), one panel per cell. */
export function seriesChart(rows: readonly SpeedRow[], series: 'T' | 'H', task: 'forward' | 'train'): TopLevelSpec | undefined {
  const values = rows
    .filter((r) => r.series === series && r.task === task && r.medianMs !== undefined)
    .map((r) => ({ cell: r.cell, x: series === 'T' ? r.shape.T : r.shape.H, engine: r.engine, ms: r.medianMs, gflops: r.gflops }));
  if (!values.length) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${task === 'forward' ? 'Inference' : 'Training step'} time against ${series === 'T' ? 'sequence length T' : 'hidden size H'}`,
    data: { values },
    config,
    facet: { column: { field: 'cell', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true, tooltip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: series, scale: { type: 'log', base: 2 } },
        y: { field: 'ms', type: 'quantitative', title: 'median ms', scale: { type: 'log' } },
        color: { field: 'engine', type: 'nominal', title: 'engine' },
      },
    },
  } as TopLevelSpec;
}

/** Heat map of the largest gradient (and ONNX forward) error per cell variant and engine, against the tolerances. */
export function conformanceChart(c: ConformanceReport): TopLevelSpec | undefined {
  const cells = new Map<string, { variant: string; engine: string; metric: string; error: number }>();
  const put = (variant: string, engine: string, metric: string, error: number) => {
    const key = `${variant}|${engine}|${metric}`;
    const cur = cells.get(key);
    const e = Number.isFinite(error) ? error : 1;
    if (!cur || e > cur.error) cells.set(key, { variant, engine, metric, error: e });
  };
  for (const r of c.rows.filter((x) => !x.skipped)) {
    put(r.variant, r.backend, 'forward', r.forwardError);
    put(r.variant, r.backend, 'gradient', r.gradError);
  }
  for (const r of c.onnx.rows) put(r.variant, 'onnxruntime', 'forward', r.error);
  const values = [...cells.values()].map((v) => ({
    ...v,
    ratio: Math.max(v.error, 1e-12) / (v.metric === 'forward' ? c.tolerances.forward : c.tolerances.gradient),
    label: v.error.toExponential(1),
  }));
  if (!values.length) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Largest error per cell variant (colour: error ÷ tolerance; above 1 fails)',
    data: { values },
    config,
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: { step: 110 },
      height: { step: 26 },
      encoding: {
        x: { field: 'engine', type: 'nominal', title: null, axis: { labelAngle: -20 } },
        y: { field: 'variant', type: 'nominal', title: null },
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: {
              field: 'ratio',
              type: 'quantitative',
              title: 'error / tolerance',
              scale: { type: 'log', domain: [1e-4, 10], scheme: 'redyellowgreen', reverse: true, clamp: true },
            },
          },
        },
        { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'label', type: 'nominal' } } },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
}
