import { fail, RnnkitError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { formatShape, sizeOf } from '../tensor.js';

/**
 * Data `ZScore` reads and writes: univariate values (`number[]`, Float32Array, Float64Array),
 * rows of features (`number[][]`), or a HostTensor whose last axis holds the features. The
 * output has the input's kind and shape.
 */
export type NumericData = readonly number[] | Float32Array | Float64Array | readonly (readonly number[])[] | HostTensor;

/** A fitted `ZScore` as plain JSON (`zscore.toJSON()`, `ZScore.fromJSON`), to keep beside a saved model. */
export interface ZScoreJSON {
  /** Format tag: always `rnnkit.zscore`. */
  format: 'rnnkit.zscore';
  /** Format version: 1. */
  version: 1;
  /** Per-feature mean, `[D]`. */
  mean: number[];
  /** Per-feature standard deviation, `[D]` (a constant feature's is 1, so it maps to 0). */
  std: number[];
}

/** Options of `ZScore.apply` and `ZScore.invert`. */
export interface ZScoreApplyOptions {
  /**
   * Which fitted features the data's last axis holds (default all D, in order). A last axis of
   * k·F values is read as k groups of those F features, which fits the flat `[N, horizon * K]`
   * targets of `createSequences`; pass e.g. `features: 0` when the data is the first feature only.
   */
  features?: number | readonly number[];
}

interface Flat {
  values: ArrayLike<number>;
  width: number; // length of the feature (last) axis
  rebuild(out: Float64Array): NumericData;
}

function flatten(data: NumericData, argument: string): Flat {
  if (data instanceof Float32Array || data instanceof Float64Array) {
    const Ctor = data.constructor as new (a: ArrayLike<number>) => Float32Array | Float64Array;
    return { values: data, width: 1, rebuild: (o) => new Ctor(o) };
  }
  if (Array.isArray(data)) {
    if (data.length > 0 && Array.isArray(data[0])) {
      const rows = data as readonly (readonly number[])[];
      const width = rows[0].length;
      const values = new Float64Array(rows.length * width);
      rows.forEach((r, i) => {
        if (!Array.isArray(r) || r.length !== width) fail('SHAPE_MISMATCH', `${argument}[${i}]`, `a row of ${width} numbers (like ${argument}[0])`, r);
        for (let j = 0; j < width; j++) values[i * width + j] = r[j];
      });
      return { values, width, rebuild: (o) => rows.map((_, i) => Array.from(o.subarray(i * width, (i + 1) * width))) };
    }
    return { values: data as readonly number[], width: 1, rebuild: (o) => Array.from(o) };
  }
  const t = data as HostTensor;
  if (t === null || typeof t !== 'object' || !(t.data instanceof Float32Array) || !Array.isArray(t.shape)) {
    fail('INVALID_ARGUMENT', argument, 'number[], number[][], a Float32Array/Float64Array or a HostTensor', data);
  }
  if (t.data.length !== sizeOf(t.shape)) {
    throw new RnnkitError('SHAPE_MISMATCH', `${argument}: data has ${t.data.length} values but shape ${formatShape(t.shape)} needs ${sizeOf(t.shape)}`, {
      argument,
    });
  }
  const width = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1];
  return { values: t.data, width, rebuild: (o) => ({ data: Float32Array.from(o), shape: [...t.shape] }) };
}

/**
 * Z-score normalization per feature: `(v - mean) / std`, with the mean and the population
 * standard deviation measured on the data given to `fit` — the training split only, so nothing
 * about the validation data leaks into training. A constant feature gets std 1.
 *
 * ```ts
 * const { train, validation } = trainValidationSplit(series, { validationFraction: 0.2, overlap: 24 });
 * const z = ZScore.fit(train);
 * const trainSet = createSequences(z.transform(train), { window: 24 });
 * const forecast = z.inverse(await model.predict(x));
 * ```
 */
export class ZScore {
  /** Per-feature mean, `[D]`, float64. */
  readonly mean: Float64Array;
  /** Per-feature population standard deviation, `[D]`, float64 (1 for a constant feature). */
  readonly std: Float64Array;

  private constructor(mean: Float64Array, std: Float64Array) {
    this.mean = mean;
    this.std = std;
  }

  /** Fits per-feature mean and std (float64) on the training data. */
  static fit(train: NumericData): ZScore {
    const f = flatten(train, 'train');
    const D = f.width;
    const n = D === 0 ? 0 : f.values.length / D;
    if (D < 1 || n < 1) fail('INVALID_ARGUMENT', 'train', 'at least one value of at least one feature', train);
    const mean = new Float64Array(D);
    for (let i = 0; i < f.values.length; i++) {
      const v = f.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RnnkitError('NON_FINITE', `train: expected finite numbers, got ${String(v)} at flat index ${i}`, { argument: 'train' });
      }
      mean[i % D] += v;
    }
    for (let j = 0; j < D; j++) mean[j] /= n;
    const std = new Float64Array(D);
    for (let i = 0; i < f.values.length; i++) std[i % D] += (f.values[i] - mean[i % D]) ** 2;
    for (let j = 0; j < D; j++) {
      const s = Math.sqrt(std[j] / n);
      std[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j])) ? s : 1;
    }
    return new ZScore(mean, std);
  }

  /** Restores a ZScore saved with `toJSON`. @throws RnnkitError INVALID_ARGUMENT on a wrong format/version, a non-finite mean, or std values that are not positive or not one per mean */
  static fromJSON(json: ZScoreJSON): ZScore {
    if (json === null || typeof json !== 'object' || json.format !== 'rnnkit.zscore' || json.version !== 1) {
      fail('INVALID_ARGUMENT', 'json', '{ format: "rnnkit.zscore", version: 1, mean, std }', json);
    }
    const ok = (a: unknown): a is number[] => Array.isArray(a) && a.length > 0 && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok(json.mean)) fail('INVALID_ARGUMENT', 'json.mean', 'a non-empty array of finite numbers', json.mean);
    if (!ok(json.std) || json.std.length !== json.mean.length || json.std.some((s) => s <= 0)) {
      fail('INVALID_ARGUMENT', 'json.std', `${json.mean.length} positive numbers`, json.std);
    }
    return new ZScore(Float64Array.from(json.mean), Float64Array.from(json.std));
  }

  /** The fitted mean and std as plain JSON (float64 values kept exactly), for `ZScore.fromJSON`. */
  toJSON(): ZScoreJSON {
    return { format: 'rnnkit.zscore', version: 1, mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /** Number of features it was fitted on. */
  get features(): number {
    return this.mean.length;
  }

  /** `(v - mean) / std` per feature; same kind and shape as the input. */
  transform<T extends NumericData>(data: T, options: ZScoreApplyOptions = {}): T {
    return this.apply(data, options, 'data', (v, m, s) => (v - m) / s);
  }

  /** `v * std + mean` per feature: back to the original units (e.g. a model's forecasts). */
  inverse<T extends NumericData>(data: T, options: ZScoreApplyOptions = {}): T {
    return this.apply(data, options, 'data', (v, m, s) => v * s + m);
  }

  private apply<T extends NumericData>(data: T, options: ZScoreApplyOptions, argument: string, op: (v: number, m: number, s: number) => number): T {
    const D = this.mean.length;
    let cols: number[];
    if (options.features === undefined) cols = Array.from({ length: D }, (_, j) => j);
    else cols = typeof options.features === 'number' ? [options.features] : [...options.features];
    if (cols.length === 0) fail('INVALID_ARGUMENT', 'features', 'at least one feature index', cols);
    cols.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= D)
        fail('INVALID_ARGUMENT', typeof options.features === 'number' ? 'features' : `features[${i}]`, `a feature index in 0..${D - 1}`, c);
    });
    const f = flatten(data, argument);
    if (f.width % cols.length !== 0 || (f.width === 0 && f.values.length > 0)) {
      throw new RnnkitError(
        'SHAPE_MISMATCH',
        `${argument}: expected a last axis of ${cols.length} feature${cols.length > 1 ? 's' : ''} (or a multiple of it), got ${f.width}` +
          (options.features === undefined && D > 1 ? '; pass { features } when the data holds only some of the fitted features' : ''),
        { argument },
      );
    }
    const out = new Float64Array(f.values.length);
    for (let i = 0; i < out.length; i++) {
      const v = f.values[i];
      if (typeof v !== 'number') fail('INVALID_ARGUMENT', `${argument}`, 'numbers', v);
      const c = cols[(i % f.width) % cols.length];
      out[i] = op(v, this.mean[c], this.std[c]);
    }
    return f.rebuild(out) as T;
  }
}

/** `ZScore.fit(train)`: fit on the training split only. */
export function fitZScore(train: NumericData): ZScore {
  return ZScore.fit(train);
}
