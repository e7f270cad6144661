import { describe, fail, RnnkitError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { formatShape, sizeOf } from '../tensor.js';

/**
 * A time series: univariate (`number[]`, a Float32Array or Float64Array, or a HostTensor `[L]`)
 * or multivariate (`number[][]` with one row of D features per step, or a HostTensor `[L, D]`).
 */
export type Series = readonly number[] | Float32Array | Float64Array | readonly (readonly number[])[] | HostTensor;

/** A series read into one row-major float64 matrix `[L, D]`. */
export interface SeriesMatrix {
  /** The values, row-major: step t's feature d at `t * features + d`. */
  values: Float64Array;
  /** L, the number of time steps. */
  length: number;
  /** D, the values per step (1 for a univariate series). */
  features: number;
}

/** Reads and checks a series: rows of equal width, every value finite. */
export function readSeries(data: Series, argument = 'data'): SeriesMatrix {
  if (data === null || typeof data !== 'object') fail('INVALID_ARGUMENT', argument, 'number[], number[][], a Float32Array or a HostTensor [L] / [L, D]', data);
  if (data instanceof Float32Array || data instanceof Float64Array) {
    const values = Float64Array.from(data);
    checkFiniteValues(values, argument, 1);
    return { values, length: values.length, features: 1 };
  }
  if (!Array.isArray(data)) {
    const t = data as HostTensor;
    if (!(t.data instanceof Float32Array) || !Array.isArray(t.shape))
      fail('INVALID_ARGUMENT', argument, 'number[], number[][], a Float32Array or a HostTensor [L] / [L, D]', data);
    if (t.shape.length < 1 || t.shape.length > 2) fail('SHAPE_MISMATCH', `${argument}.shape`, '[length] or [length, features]', formatShape(t.shape));
    if (t.data.length !== sizeOf(t.shape)) {
      throw new RnnkitError('SHAPE_MISMATCH', `${argument}: data has ${t.data.length} values but shape ${formatShape(t.shape)} needs ${sizeOf(t.shape)}`, {
        argument,
      });
    }
    const features = t.shape.length === 2 ? t.shape[1] : 1;
    if (features < 1) fail('SHAPE_MISMATCH', `${argument}.shape`, 'at least one feature', formatShape(t.shape));
    const values = Float64Array.from(t.data);
    checkFiniteValues(values, argument, features);
    return { values, length: t.shape[0], features };
  }
  const rows = data as readonly unknown[];
  if (rows.length === 0 || !Array.isArray(rows[0])) {
    const values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail('INVALID_ARGUMENT', `${argument}[${i}]`, 'a finite number', v);
      values[i] = v;
    }
    return { values, length: rows.length, features: 1 };
  }
  const D = (rows[0] as unknown[]).length;
  if (D < 1) fail('SHAPE_MISMATCH', `${argument}[0]`, 'a row of at least one feature', rows[0]);
  const values = new Float64Array(rows.length * D);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Array.isArray(r)) fail('INVALID_ARGUMENT', `${argument}[${i}]`, `a row of ${D} numbers (like ${argument}[0])`, r);
    if (r.length !== D) fail('SHAPE_MISMATCH', `${argument}[${i}]`, `${D} features (like ${argument}[0])`, `${r.length} features`);
    for (let j = 0; j < D; j++) {
      const v = r[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail('INVALID_ARGUMENT', `${argument}[${i}][${j}]`, 'a finite number', v);
      values[i * D + j] = v;
    }
  }
  return { values, length: rows.length, features: D };
}

function checkFiniteValues(values: Float64Array, argument: string, D: number): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const at = D === 1 ? `${argument}[${i}]` : `${argument}[${Math.floor(i / D)}][${i % D}]`;
      throw new RnnkitError('NON_FINITE', `${at}: expected a finite number, got ${describe(values[i])}`, { argument: at });
    }
  }
}

export function positiveInteger(v: unknown, argument: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('INVALID_ARGUMENT', argument, 'a positive integer', v);
  return v;
}
