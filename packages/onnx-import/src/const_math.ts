import type { ConstTensor } from './tensors.js';
import { numel } from './tensors.js';

/**
 * Array math on constants (row-major), used to fold the constant parts of a graph: weight
 * transposes an exporter did not fold, shape arithmetic, index tensors. Callers check sizes
 * against the limits before calling anything that allocates.
 */

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

function like(t: ConstTensor, dims: number[], count: number): ConstTensor {
  return t.dtype === 'float' ? { dtype: 'float', dims, data: new Float32Array(count) } : { dtype: 'int', dims, data: new Float64Array(count) };
}

export function transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const dims = perm.map((p) => t.dims[p]);
  const out = like(t, dims, t.data.length);
  const inStrides = strides(t.dims);
  const outStrides = strides(dims);
  for (let o = 0; o < out.data.length; o++) {
    let rest = o;
    let src = 0;
    for (let k = 0; k < dims.length; k++) {
      const idx = Math.floor(rest / outStrides[k]);
      rest -= idx * outStrides[k];
      src += idx * inStrides[perm[k]];
    }
    out.data[o] = t.data[src];
  }
  return out;
}

/** Picks `index` (already normalised) along `axis`; `keep` leaves the axis as extent 1. */
export function takeConst(t: ConstTensor, axis: number, indices: readonly number[], indexDims: readonly number[]): ConstTensor {
  const outer = numel(t.dims.slice(0, axis));
  const inner = numel(t.dims.slice(axis + 1));
  const dims = [...t.dims.slice(0, axis), ...indexDims, ...t.dims.slice(axis + 1)];
  const out = like(t, dims, outer * indices.length * inner);
  for (let a = 0; a < outer; a++) {
    indices.forEach((ix, j) => {
      const src = (a * t.dims[axis] + ix) * inner;
      const dst = (a * indices.length + j) * inner;
      for (let b = 0; b < inner; b++) out.data[dst + b] = t.data[src + b];
    });
  }
  return out;
}

export function concatConst(parts: readonly ConstTensor[], axis: number): ConstTensor {
  const dims = [...parts[0].dims];
  dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
  const outer = numel(dims.slice(0, axis));
  const out = like(parts[0], dims, numel(dims));
  let dst = 0;
  for (let a = 0; a < outer; a++) {
    for (const p of parts) {
      const block = numel(p.dims.slice(axis));
      for (let b = 0; b < block; b++) out.data[dst++] = p.data[a * block + b];
    }
  }
  return out;
}

/** Numpy broadcasting of two shapes; undefined when they don't broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export function elementwiseConst(a: ConstTensor, b: ConstTensor, dims: number[], f: (x: number, y: number) => number): ConstTensor {
  const out = like(a, dims, numel(dims));
  const outStrides = strides(dims);
  const index = (t: ConstTensor, o: number) => {
    let rest = o;
    let src = 0;
    const off = dims.length - t.dims.length;
    const ts = strides(t.dims);
    for (let k = 0; k < dims.length; k++) {
      const idx = Math.floor(rest / outStrides[k]);
      rest -= idx * outStrides[k];
      if (k >= off && t.dims[k - off] !== 1) src += idx * ts[k - off];
    }
    return src;
  };
  for (let o = 0; o < out.data.length; o++) out.data[o] = f(a.data[index(a, o)], b.data[index(b, o)]);
  if (out.dtype === 'int') for (let o = 0; o < out.data.length; o++) out.data[o] = Math.trunc(out.data[o]);
  return out;
}

/** Slice along one axis with ONNX clamping rules; returns the kept indices. */
export function sliceIndices(extent: number, start: number, end: number, step: number): number[] {
  const clampPos = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + extent : start;
  let e = end < 0 ? end + extent : end;
  const out: number[] = [];
  if (step > 0) {
    s = clampPos(s, 0, extent);
    e = clampPos(e, 0, extent);
    for (let i = s; i < e; i += step) out.push(i);
  } else {
    s = clampPos(s, -1, extent - 1);
    e = clampPos(e, -1, extent - 1);
    for (let i = s; i > e; i += step) out.push(i);
  }
  return out;
}

export function allZero(t: ConstTensor): boolean {
  for (let i = 0; i < t.data.length; i++) if (t.data[i] !== 0) return false;
  return true;
}
