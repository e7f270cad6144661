/** The page's three charts, drawn with uPlot (canvas). */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { GradNorms, TaskOutput } from './shared.js';

const HEIGHT = 220;
const PALETTE = ['#2563eb', '#dc2626', '#059669'];

/** Tick labels for log axes: plain decimals where short, else 1e-5. */
const logTicks = (_u: uPlot, splits: number[]) => splits.map((v) => (v == null ? '' : v >= 0.001 && v < 1e5 ? String(+v.toPrecision(2)) : v.toExponential(0)));

function widthOf(el: HTMLElement): number {
  return Math.max(280, Math.floor(el.clientWidth || 560));
}

/** A uPlot chart that is rebuilt when its series change and resized with its container. */
class Chart {
  private plot: uPlot | undefined;
  private key = '';

  constructor(private readonly el: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: widthOf(this.el), height: HEIGHT })).observe(el);
  }

  draw(key: string, make: (width: number) => uPlot.Options, data: uPlot.AlignedData): void {
    if (this.plot && key === this.key) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.el.textContent = '';
    this.key = key;
    this.plot = new uPlot({ legend: { live: false }, ...make(widthOf(this.el)), height: HEIGHT }, data, this.el);
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.key = '';
    this.el.textContent = '';
  }
}

export class LossChart {
  private readonly chart: Chart;
  private steps: number[] = [];
  private loss: number[] = [];
  private smooth: number[] = [];
  private ema = 0;
  private pending = false;

  constructor(el: HTMLElement) {
    this.chart = new Chart(el);
  }

  reset(): void {
    this.steps = [];
    this.loss = [];
    this.smooth = [];
    this.ema = 0;
    this.chart.clear();
  }

  push(step: number, loss: number): void {
    this.steps.push(step);
    this.loss.push(loss);
    // Exponential moving average, bias-corrected so it starts at the first losses.
    this.ema = 0.9 * this.ema + 0.1 * loss;
    this.smooth.push(this.ema / (1 - 0.9 ** this.loss.length));
    // At most one redraw per frame, however fast the steps come.
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render(): void {
    if (this.steps.length === 0) return;
    this.chart.draw(
      'loss',
      (width) => ({
        width,
        height: HEIGHT,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [{ label: 'step' }, { label: 'loss', size: 60, values: logTicks }],
        series: [{ label: 'step' }, { label: 'loss', stroke: '#93c5fd', width: 1 }, { label: 'smoothed', stroke: PALETTE[0], width: 2 }],
      }),
      [this.steps, this.loss, this.smooth],
    );
  }
}

export class GradChart {
  private readonly chart: Chart;
  private first: GradNorms | undefined;

  constructor(el: HTMLElement) {
    this.chart = new Chart(el);
  }

  reset(): void {
    this.first = undefined;
    this.chart.clear();
  }

  /** Shows the first snapshot of the run (dashed) and the latest one, per layer. */
  update(g: GradNorms): void {
    if (!this.first || this.first.layers.length !== g.layers.length || this.first.distance.length !== g.distance.length) this.first = g;
    const first = this.first;
    const pos = (v: number) => (v > 0 && Number.isFinite(v) ? v : null);
    const series: uPlot.Series[] = [{ label: 'steps back' }];
    const data: (number | null)[][] = [];
    g.layers.forEach((_, l) => {
      const name = g.layers.length > 1 ? `layer ${l + 1}, ` : '';
      series.push({ label: `${name}step ${first.step}`, stroke: PALETTE[l % PALETTE.length], dash: [6, 4], width: 1.5 });
      data.push(first.layers[l].map(pos));
      if (g !== first) {
        series.push({ label: `${name}step ${g.step}`, stroke: PALETTE[l % PALETTE.length], width: 2 });
        data.push(g.layers[l].map(pos));
      }
    });
    this.chart.draw(
      `grad:${series.map((s) => s.label).join('|')}`,
      (width) => ({
        width,
        height: HEIGHT,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [{ label: 'steps between h_t and the loss' }, { label: '‖∂L/∂h_t‖', size: 60, values: logTicks }],
        series,
      }),
      [g.distance, ...data] as uPlot.AlignedData,
    );
  }
}

export class ForecastChart {
  private readonly chart: Chart;

  constructor(el: HTMLElement) {
    this.chart = new Chart(el);
  }

  update(o: Extract<TaskOutput, { kind: 'forecast' }>): void {
    this.chart.draw(
      'forecast',
      (width) => ({
        width,
        height: HEIGHT,
        scales: { x: { time: false } },
        axes: [{ label: 'validation step' }, { label: 'value', size: 50 }],
        series: [
          { label: 'step' },
          { label: 'actual', stroke: '#6b7280', width: 1.5 },
          { label: 'one step ahead', stroke: PALETTE[0], width: 1.5 },
          { label: `free-running from step ${o.freeRunFrom}`, stroke: '#ea580c', width: 2 },
        ],
      }),
      [o.t, o.actual, o.oneStep, o.freeRun] as uPlot.AlignedData,
    );
  }

  clear(): void {
    this.chart.clear();
  }
}
