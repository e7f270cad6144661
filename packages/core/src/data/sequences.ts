import { describe, fail, RnnkitError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import type { Series } from './series.js';
import { positiveInteger, readSeries } from './series.js';

/** Options of `createSequences`. */
export interface SequenceOptions {
  /** Input steps per example. */
  window: number;
  /** Future steps to predict after each window (default 1). */
  horizon?: number;
  /** Steps between the starts of consecutive windows (default 1). */
  stride?: number;
  /** Feature columns to predict (default every column): e.g. `[0]` forecasts the first of D features. */
  targets?: readonly number[];
  /**
   * `'flat'` (default): y is `[N, horizon * K]`, steps outer and the K target features inner,
   * ready for a `linear({ outFeatures: horizon * K })` head. `'steps'`: y is `[N, horizon, K]`.
   */
  targetLayout?: 'flat' | 'steps';
}

/** Sliding-window examples from `createSequences`, ready for `fit(model, { x, y })`. */
export interface Sequences {
  /** Inputs `[N, window, D]`, batch-first. */
  x: HostTensor;
  /** Targets `[N, horizon * K]` or `[N, horizon, K]` (K = number of target features). */
  y: HostTensor;
}

/**
 * Sliding windows over a series for forecasting: example i reads steps
 * `[i*stride, i*stride + window)` and predicts the `horizon` steps after them, so
 * N = floor((L - window - horizon) / stride) + 1. Univariate series give D = 1.
 *
 * `createSequences(series, { window: 24, horizon: 1 })`, or the seed's positional form
 * `createSequences(series, 24, 1)`.
 */
export function createSequences(data: Series, window: number, horizon?: number): Sequences;
export function createSequences(data: Series, options: SequenceOptions): Sequences;
export function createSequences(data: Series, windowOrOptions: number | SequenceOptions, horizonArg?: number): Sequences {
  const o: SequenceOptions =
    typeof windowOrOptions === 'number' ? { window: windowOrOptions, ...(horizonArg !== undefined ? { horizon: horizonArg } : {}) } : windowOrOptions;
  if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'options', '{ window, horizon? } or a window size', o);
  const window = positiveInteger(o.window, 'window');
  const horizon = positiveInteger(o.horizon ?? 1, 'horizon');
  const stride = positiveInteger(o.stride ?? 1, 'stride');
  const layout = o.targetLayout ?? 'flat';
  if (layout !== 'flat' && layout !== 'steps') fail('INVALID_ARGUMENT', 'targetLayout', '"flat" or "steps"', layout);
  const s = readSeries(data, 'data');
  const D = s.features;
  let targets: number[];
  if (o.targets === undefined) {
    targets = Array.from({ length: D }, (_, j) => j);
  } else {
    if (!Array.isArray(o.targets) || o.targets.length === 0) fail('INVALID_ARGUMENT', 'targets', 'a non-empty array of feature indices', o.targets);
    targets = [...o.targets];
    targets.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t >= D) fail('INVALID_ARGUMENT', `targets[${i}]`, `a feature index in 0..${D - 1}`, t);
    });
  }
  const need = window + horizon;
  if (s.length < need) {
    throw new RnnkitError('INVALID_ARGUMENT', `data: expected at least window + horizon = ${need} steps, got ${describe(s.length)}`, { argument: 'data' });
  }
  const N = Math.floor((s.length - need) / stride) + 1;
  const K = targets.length;
  const x = new Float32Array(N * window * D);
  const y = new Float32Array(N * horizon * K);
  for (let i = 0; i < N; i++) {
    const start = i * stride;
    x.set(s.values.subarray(start * D, (start + window) * D), i * window * D);
    for (let h = 0; h < horizon; h++) {
      const row = (start + window + h) * D;
      for (let k = 0; k < K; k++) y[(i * horizon + h) * K + k] = s.values[row + targets[k]];
    }
  }
  return {
    x: { data: x, shape: [N, window, D] },
    y: { data: y, shape: layout === 'flat' ? [N, horizon * K] : [N, horizon, K] },
  };
}
