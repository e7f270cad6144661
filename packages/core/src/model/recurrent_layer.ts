import type { Backend, RecurrentForwardArgs, RecurrentSaved } from '../backend/backend.js';
import { Scope } from '../backend/scope.js';
import { hasCellState } from '../cells.js';
import { RnnkitError } from '../errors.js';
import type { RecurrentSpec } from '../graph/spec.js';
import { isReverseDirection, numDirections } from '../graph/spec.js';
import { directionParamNames } from '../params/names.js';
import type { Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import { batchToTimeMajor, reverseWithinLengths, timeToBatchMajor } from './layout.js';

export interface RecurrentRunOptions {
  /** [numLayers * numDirections, B, H]; zeros when absent. */
  h0?: Tensor;
  c0?: Tensor;
  /** Validated lengths (B), or undefined when every sequence spans all T steps. */
  lengths?: Int32Array;
  training?: boolean;
  /** Source of dropout masks between layers; dropout runs only when training and given. */
  dropoutRng?: Rng;
}

interface DirectionCache {
  args: RecurrentForwardArgs;
  saved: RecurrentSaved;
  reversePerm?: Int32Array;
}

/** What backward needs from a training forward; release with `disposeRecurrentCache`. */
export interface RecurrentCache {
  T: number;
  B: number;
  /** The fused kernel took and gave batch-first tensors itself (see `kernelBatchFirst`). */
  kernelBatchFirst: boolean;
  layers: { dirs: DirectionCache[]; dropoutMask?: Tensor }[];
  scope: Scope;
}

export interface RecurrentRunResult {
  /** [B, T, dirs*H] when batchFirst, else [T, B, dirs*H]; zeros past each length. */
  output: Tensor;
  /** [numLayers * dirs, B, H]: each sequence's state at its own last step (step 0 for a reverse direction). */
  hN: Tensor;
  cN?: Tensor;
  cache?: RecurrentCache;
}

/** Takes state slice [B, H] number `index` from a [L*dirs, B, H] tensor. */
function stateSlice(be: Backend, s: Scope, state: Tensor, index: number, B: number, H: number): Tensor {
  const flat = s.t(be.reshape(state, [state.shape[0] * B, H]));
  return be.sliceRows(flat, index * B, B); // the caller decides who holds the slice
}

/**
 * Runs a (possibly multi-layer, bidirectional or reverse) recurrent layer. Inputs are assumed valid: the
 * public entry points check shapes and lengths first (see validate_inputs.ts).
 */
export function runRecurrent(
  be: Backend,
  spec: RecurrentSpec,
  params: ReadonlyMap<string, Tensor>,
  x: Tensor,
  opts: RecurrentRunOptions = {},
): RecurrentRunResult {
  const [d0, d1, D] = x.shape;
  const [B, T] = spec.batchFirst ? [d0, d1] : [d1, d0];
  const H = spec.hiddenSize;
  const dirs = numDirections(spec);
  const lstm = hasCellState(spec.cell);
  const training = opts.training ?? false;
  const s = new Scope(be); // temporaries of this call
  const keep = new Scope(be); // held by the cache
  const direct = kernelBatchFirst(be, spec);
  const cache: RecurrentCache | undefined = training ? { T, B, kernelBatchFirst: direct, layers: [], scope: keep } : undefined;
  const hold = <X extends Tensor>(t: X): X => (training ? keep.t(t) : s.t(t));

  let pending: DirectionCache[] = []; // saved state of the layer being run, not yet in the cache
  const made = new Scope(be); // results, released only if the call fails
  try {
    // Work time-major as [T, B, F], unless the kernel takes batch-first x itself.
    let layerIn: Tensor = spec.batchFirst && !direct ? hold(be.reshape(s.t(swapBatchTime(be, x, B, T, batchToTimeMajor)), [T, B, D])) : x;
    const zeros = s.t(be.zeros([B, H]));
    const hNs: Tensor[] = [];
    const cNs: Tensor[] = [];
    for (let layer = 0; layer < spec.numLayers; layer++) {
      const outs: Tensor[] = [];
      const dirCaches: DirectionCache[] = [];
      pending = dirCaches;
      for (let d = 0; d < dirs; d++) {
        const names = directionParamNames(spec, layer, d === 1);
        const index = layer * dirs + d;
        // A reverse direction (a bidirectional layer's second, or a reverse layer's only one) runs
        // the same kernel on each sequence reversed within its length; padding stays in place.
        const reversePerm = isReverseDirection(spec, d) ? reverseWithinLengths(T, B, opts.lengths) : undefined;
        const xin = reversePerm ? hold(be.reshape(s.t(be.gatherRows(layerIn, reversePerm)), layerIn.shape)) : layerIn;
        const args: RecurrentForwardArgs = {
          cell: spec.cell,
          gruResetAfter: spec.gruResetAfter,
          x: xin,
          h0: opts.h0 ? hold(stateSlice(be, s, opts.h0, index, B, H)) : zeros,
          ...(lstm ? { c0: opts.c0 ? hold(stateSlice(be, s, opts.c0, index, B, H)) : zeros } : {}),
          weightIh: params.get(names.weightIh)!,
          weightHh: params.get(names.weightHh)!,
          ...(names.biasIh ? { biasIh: params.get(names.biasIh)!, biasHh: params.get(names.biasHh!)! } : {}),
          ...(opts.lengths ? { lengths: opts.lengths } : {}),
          ...(direct ? { batchFirst: true } : {}),
          training,
        };
        if (training && (args.h0 === zeros || args.c0 === zeros)) {
          // The cache outlives this call's scope, so give it its own zeros.
          if (args.h0 === zeros) args.h0 = keep.t(be.zeros([B, H]));
          if (args.c0 === zeros) args.c0 = keep.t(be.zeros([B, H]));
        }
        const r = be.recurrentForward(args);
        if (r.saved) dirCaches.push({ args, saved: r.saved, ...(reversePerm ? { reversePerm } : {}) });
        s.t(r.y);
        hNs.push(s.t(r.hN));
        if (r.cN) cNs.push(s.t(r.cN));
        const y2 = s.t(be.reshape(r.y, [T * B, H]));
        outs.push(reversePerm ? s.t(be.gatherRows(y2, reversePerm)) : y2);
      }
      let out = outs.length === 1 ? outs[0] : s.t(be.concatColumns(outs)); // [T*B, dirs*H]
      let dropoutMask: Tensor | undefined;
      if (training && opts.dropoutRng && spec.dropout > 0 && layer < spec.numLayers - 1) {
        const p = spec.dropout;
        const m = new Float32Array(T * B * dirs * H);
        for (let i = 0; i < m.length; i++) m[i] = opts.dropoutRng.uniform() < p ? 0 : 1 / (1 - p);
        dropoutMask = keep.t(be.upload(m, [T * B, dirs * H]));
        out = s.t(be.mul(out, dropoutMask));
      }
      cache?.layers.push({ dirs: dirCaches, ...(dropoutMask ? { dropoutMask } : {}) });
      pending = [];
      layerIn = hold(be.reshape(out, direct ? [B, T, dirs * H] : [T, B, dirs * H]));
    }
    const F = dirs * H;
    const flatOut = s.t(be.reshape(layerIn, [T * B, F]));
    const output = made.t(
      direct
        ? be.reshape(flatOut, [B, T, F])
        : spec.batchFirst
          ? be.reshape(s.t(swapBatchTime(be, flatOut, B, T, timeToBatchMajor)), [B, T, F])
          : be.reshape(flatOut, [T, B, F]),
    );
    const hN = made.t(be.reshape(s.t(be.concatRows(hNs)), [spec.numLayers * dirs, B, H]));
    const cN = lstm ? made.t(be.reshape(s.t(be.concatRows(cNs)), [spec.numLayers * dirs, B, H])) : undefined;
    s.dispose();
    return { output, hN, ...(cN ? { cN } : {}), ...(cache ? { cache } : {}) };
  } catch (e) {
    // A kernel failed part-way: release everything this call made, then rethrow.
    for (const d of pending) d.saved.dispose();
    made.dispose();
    if (cache) disposeRecurrentCache(cache);
    else keep.dispose();
    s.dispose();
    throw e;
  }
}

export interface RecurrentGradients {
  /** Same layout as the input x; absent with `inputGrad: false`. */
  dx?: Tensor;
  dh0: Tensor; // [L*dirs, B, H]
  dc0?: Tensor;
  /** Gradients by unprefixed parameter name. */
  grads: Map<string, Tensor>;
}

/**
 * BPTT through `runRecurrent`: dOutput in the output's layout; dhN/dcN as [L*dirs, B, H].
 * `inputGrad: false` skips d loss / d x (the first layer's dx GEMM and its re-layout), for a
 * training step whose input is data.
 */
export function backpropRecurrent(
  be: Backend,
  spec: RecurrentSpec,
  cache: RecurrentCache,
  upstream: { dOutput?: Tensor; dhN?: Tensor; dcN?: Tensor },
  opts: { inputGrad?: boolean } = {},
): RecurrentGradients {
  const inputGrad = opts.inputGrad !== false;
  const { T, B } = cache;
  const H = spec.hiddenSize;
  const dirs = numDirections(spec);
  const F = dirs * H;
  const s = new Scope(be);
  const grads = new Map<string, Tensor>();
  const made = new Scope(be); // results, released only if the call fails
  try {
    let dOut: Tensor | undefined;
    if (upstream.dOutput) {
      const flat = s.t(be.reshape(upstream.dOutput, [T * B, F]));
      // [T*B, F] time-major, or batch-first rows for a kernel that takes them
      dOut = spec.batchFirst && !cache.kernelBatchFirst ? s.t(swapBatchTime(be, flat, B, T, batchToTimeMajor)) : flat;
    }
    const dh0s: Tensor[] = new Array(spec.numLayers * dirs);
    const dc0s: Tensor[] = new Array(spec.numLayers * dirs);
    for (let layer = spec.numLayers - 1; layer >= 0; layer--) {
      const lc = cache.layers[layer];
      if (dOut && lc.dropoutMask) dOut = s.t(be.mul(dOut, lc.dropoutMask));
      let dIn: Tensor | undefined;
      for (let d = 0; d < dirs; d++) {
        const dc = lc.dirs[d];
        const index = layer * dirs + d;
        let dy: Tensor | undefined;
        if (dOut) {
          dy = dirs === 1 ? dOut : s.t(be.sliceColumns(dOut, d * H, H));
          if (dc.reversePerm) dy = s.t(be.gatherRows(dy, dc.reversePerm));
          dy = s.t(be.reshape(dy, cache.kernelBatchFirst ? [B, T, H] : [T, B, H]));
        }
        const dhN = upstream.dhN ? s.t(stateSlice(be, s, upstream.dhN, index, B, H)) : undefined;
        const dcN = upstream.dcN ? s.t(stateSlice(be, s, upstream.dcN, index, B, H)) : undefined;
        const needDx = layer > 0 || inputGrad;
        const g = be.recurrentBackward({
          forward: dc.args,
          saved: dc.saved,
          ...(dy ? { dy } : {}),
          ...(dhN ? { dhN } : {}),
          ...(dcN ? { dcN } : {}),
          ...(needDx ? {} : { inputGrad: false }),
        });
        const names = directionParamNames(spec, layer, d === 1);
        grads.set(names.weightIh, g.dWeightIh);
        grads.set(names.weightHh, g.dWeightHh);
        if (names.biasIh && g.dBiasIh) grads.set(names.biasIh, g.dBiasIh);
        if (names.biasHh && g.dBiasHh) grads.set(names.biasHh, g.dBiasHh);
        dh0s[index] = s.t(g.dh0);
        if (g.dc0) dc0s[index] = s.t(g.dc0);
        if (!needDx) {
          if (g.dx) be.dispose(g.dx); // a backend that computed it anyway
          continue;
        }
        if (!g.dx)
          throw new RnnkitError('BACKEND_FAILURE', `recurrentBackward: the ${be.name} backend returned no dx, which the layer below needs`, { argument: 'dx' });
        const inF = g.dx.shape[2];
        let dx = s.t(be.reshape(s.t(g.dx), [T * B, inF]));
        if (dc.reversePerm) dx = s.t(be.gatherRows(dx, dc.reversePerm));
        dIn = dIn ? s.t(be.add(dIn, dx)) : dx;
      }
      dOut = dIn;
    }
    const D = dOut?.shape[1];
    const dx =
      inputGrad && dOut && D !== undefined
        ? made.t(
            cache.kernelBatchFirst
              ? be.reshape(dOut, [B, T, D])
              : spec.batchFirst
                ? be.reshape(s.t(swapBatchTime(be, dOut, B, T, timeToBatchMajor)), [B, T, D])
                : be.reshape(dOut, [T, B, D]),
          )
        : undefined;
    const dh0 = made.t(be.reshape(s.t(be.concatRows(dh0s)), [spec.numLayers * dirs, B, H]));
    const dc0 = hasCellState(spec.cell) ? made.t(be.reshape(s.t(be.concatRows(dc0s)), [spec.numLayers * dirs, B, H])) : undefined;
    s.dispose();
    return { ...(dx ? { dx } : {}), dh0, ...(dc0 ? { dc0 } : {}), grads };
  } catch (e) {
    for (const g of grads.values()) be.dispose(g);
    made.dispose();
    s.dispose();
    throw e;
  }
}

export function disposeRecurrentCache(cache: RecurrentCache): void {
  for (const l of cache.layers) for (const d of l.dirs) d.saved.dispose();
  cache.scope.dispose();
}

/**
 * Rows of a [B, T, F] tensor in time-major order or back (`perm` is batchToTimeMajor or
 * timeToBatchMajor), as [T·B, F]. With one sequence or one step both orders are the same rows,
 * so it is a reshape: no permutation built and no copy (B = 1 is the common inference case).
 */
function swapBatchTime(be: Backend, x: Tensor, B: number, T: number, perm: (B: number, T: number) => Int32Array): Tensor {
  const F = x.shape[x.shape.length - 1];
  return B === 1 || T === 1 ? be.reshape(x, [T * B, F]) : be.gatherRows(x, perm(B, T));
}

/**
 * Whether the backend's fused kernels take this layer's batch-first input and give its
 * batch-first output themselves: one layer, one forward direction (a stack or a reverse direction
 * works time-major in between, where the reversal is a row gather), on a backend that says
 * `recurrentBatchFirst`.
 */
function kernelBatchFirst(be: Backend, spec: RecurrentSpec): boolean {
  return spec.batchFirst && spec.numLayers === 1 && numDirections(spec) === 1 && !isReverseDirection(spec, 0) && be.recurrentBatchFirst;
}
