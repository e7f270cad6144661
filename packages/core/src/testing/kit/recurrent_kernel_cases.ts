import type { Backend, RecurrentBackwardResult, RecurrentForwardArgs, RecurrentForwardResult } from '../../backend/backend.js';
import type { CellKind } from '../../cells.js';
import { gateCount } from '../../cells.js';
import type { Tensor } from '../../tensor.js';
import { Rng } from '../../util/rng.js';
import { randomArray } from '../numeric.js';
import { compositeOnly } from './composite_only.js';
import { check, checkClose, checkShape } from './expect.js';
import { FUSED_TOLERANCE } from './fused_cases.js';

/**
 * Kernel-level checks of a backend's fused `recurrentForward`/`recurrentBackward` against core's
 * composite kernels on the same backend, on shapes the backend picks to reach every path of its
 * own kernels (one-row GEMMs, ragged strips, tiles, workgroup sizes). The kit's layer-level fused
 * cases (`fusedCases`) check the same through `runRecurrent` on small shapes; these go below the
 * layer, with each bias alone, gradients from `y` only or from the final state only, and LSTM
 * without `c0`.
 */

/** A cell and its GRU reset placement. */
export interface RecurrentKernelVariant {
  cell: CellKind;
  resetAfter: boolean;
  label: string;
}

/** Every cell variant a fused recurrent kernel implements. */
export const RECURRENT_KERNEL_VARIANTS: readonly RecurrentKernelVariant[] = [
  { cell: 'rnn_tanh', resetAfter: true, label: 'rnn_tanh' },
  { cell: 'rnn_relu', resetAfter: true, label: 'rnn_relu' },
  { cell: 'lstm', resetAfter: true, label: 'lstm' },
  { cell: 'gru', resetAfter: true, label: 'gru (reset after)' },
  { cell: 'gru', resetAfter: false, label: 'gru (reset before)' },
];

/** Which biases the layer has. */
export type RecurrentKernelBiases = 'both' | 'none' | 'ih' | 'hh';

/** One kernel call's sizes: x is [T, B, D] (time-major, as kernels take it), the state [B, H]. */
export interface RecurrentKernelShape {
  T: number;
  B: number;
  D: number;
  H: number;
  biases: RecurrentKernelBiases;
  /** Valid steps per sequence (B of them); absent: all T. */
  lengths?: number[];
  /** LSTM only: pass `c0` (otherwise the fused kernel defaults it to zeros). */
  c0: boolean;
}

/** Which upstream gradients the backward pass receives. */
export interface RecurrentUpstream {
  dy: boolean;
  dhN: boolean;
  dcN: boolean;
}

/** A named kernel-level case: what `it(name, ...)` runs through `compareRecurrentKernels`. */
export interface RecurrentKernelCase {
  name: string;
  variant: RecurrentKernelVariant;
  shape: RecurrentKernelShape;
  upstream: RecurrentUpstream;
}

const ALL_UPSTREAM: RecurrentUpstream = { dy: true, dhN: true, dcN: true };

/**
 * The standard cases for every variant: biases both/none × lengths or full × LSTM with and
 * without c0 at (T, B, D, H) = (6, 5, 3, 7); each bias alone; gradient only from y or only from the
 * final state; then the backend's own `shapes` (named, all biases, c0, every upstream gradient).
 */
export function recurrentKernelCases(shapes: readonly { name: string; shape: Omit<RecurrentKernelShape, 'biases' | 'c0'> }[] = []): RecurrentKernelCase[] {
  const base = { T: 6, B: 5, D: 3, H: 7 };
  const cases: RecurrentKernelCase[] = [];
  for (const variant of RECURRENT_KERNEL_VARIANTS) {
    const lstm = variant.cell === 'lstm';
    for (const biases of ['both', 'none'] as const) {
      for (const lengths of [undefined, [6, 2, 5, 1, 3]]) {
        for (const c0 of lstm ? [true, false] : [false]) {
          cases.push({
            name: `${variant.label}, biases ${biases}, ${lengths ? 'lengths' : 'full length'}${lstm ? (c0 ? ', c0' : ', no c0') : ''}`,
            variant,
            shape: { ...base, biases, c0, ...(lengths ? { lengths } : {}) },
            upstream: ALL_UPSTREAM,
          });
        }
      }
    }
    for (const biases of ['ih', 'hh'] as const) {
      cases.push({
        name: `${variant.label}, only bias_${biases}`,
        variant,
        shape: { ...base, biases, c0: true, lengths: [1, 6, 4, 6, 2] },
        upstream: ALL_UPSTREAM,
      });
    }
    cases.push({
      name: `${variant.label}, gradient only from y`,
      variant,
      shape: { ...base, biases: 'both', c0: true },
      upstream: { dy: true, dhN: false, dcN: false },
    });
    cases.push({
      name: `${variant.label}, gradient only from the final state`,
      variant,
      shape: { ...base, biases: 'both', c0: true, lengths: [3, 6, 1, 2, 5] },
      upstream: { dy: false, dhN: true, dcN: true },
    });
    for (const s of shapes) {
      cases.push({ name: `${variant.label}, ${s.name}`, variant, shape: { ...s.shape, biases: 'both', c0: true }, upstream: ALL_UPSTREAM });
    }
  }
  return cases;
}

/** Seeded uniform weights (±1/√H scaled like PyTorch's init, doubled), inputs and states on `be`. */
export function recurrentKernelArgs(be: Backend, variant: RecurrentKernelVariant, c: RecurrentKernelShape, seed: number): RecurrentForwardArgs {
  const rng = new Rng(seed);
  const G = gateCount(variant.cell);
  const up = (shape: number[], scale = 1): Tensor =>
    be.upload(
      randomArray(
        rng,
        shape.reduce((a, b) => a * b, 1),
        -scale,
        scale,
      ),
      shape,
    );
  const k = 1 / Math.sqrt(c.H);
  return {
    cell: variant.cell,
    gruResetAfter: variant.resetAfter,
    x: up([c.T, c.B, c.D]),
    h0: up([c.B, c.H], 0.5),
    ...(variant.cell === 'lstm' && c.c0 ? { c0: up([c.B, c.H], 0.5) } : {}),
    weightIh: up([G * c.H, c.D], 2 * k),
    weightHh: up([G * c.H, c.H], 2 * k),
    ...(c.biases === 'both' || c.biases === 'ih' ? { biasIh: up([G * c.H], k) } : {}),
    ...(c.biases === 'both' || c.biases === 'hh' ? { biasHh: up([G * c.H], k) } : {}),
    ...(c.lengths ? { lengths: Int32Array.from(c.lengths) } : {}),
    training: true,
  };
}

/** What `compareRecurrentKernels` lets a backend check between its calls. */
export interface RecurrentKernelHooks {
  /** After the fused forward (e.g. which path the backend chose). */
  afterForward?: (args: RecurrentForwardArgs) => void;
  /** After the fused backward. */
  afterBackward?: (args: RecurrentForwardArgs) => void;
  /** Fused against composite; FUSED_TOLERANCE unless given. */
  tolerance?: number;
  seed?: number;
}

/**
 * Runs `be`'s fused forward + backward and core's composite ones (on `be`'s primitives) on the
 * same inputs, compares every output and gradient, checks shapes and which bias gradients
 * exist, then disposes everything it made: `be.liveTensors()` is back where it started.
 */
export async function compareRecurrentKernels(be: Backend, c: RecurrentKernelCase, hooks: RecurrentKernelHooks = {}): Promise<void> {
  const { variant: v, shape, upstream } = c;
  const tol = hooks.tolerance ?? FUSED_TOLERANCE;
  const seed = hooks.seed ?? 1;
  const ref = compositeOnly(be);
  const live = be.liveTensors();
  const args = recurrentKernelArgs(be, v, shape, seed);
  // The composite LSTM needs c0; the fused one defaults it to zeros.
  const refArgs = v.cell === 'lstm' && !args.c0 ? { ...args, c0: be.zeros([shape.B, shape.H]) } : args;
  const made: (Tensor | undefined)[] = [args.x, args.h0, args.c0, args.weightIh, args.weightHh, args.biasIh, args.biasHh, refArgs.c0];
  let f: RecurrentForwardResult | undefined;
  let r: RecurrentForwardResult | undefined;
  try {
    f = be.recurrentForward(args);
    hooks.afterForward?.(args);
    r = ref.recurrentForward(refArgs);
    made.push(f.y, f.hN, f.cN, r.y, r.hN, r.cN);
    checkShape(f.y.shape, [shape.T, shape.B, shape.H], 'y');
    checkShape(f.hN.shape, [shape.B, shape.H], 'hN');
    check(f.saved !== undefined, 'a training forward keeps what its backward needs (saved)');
    const read = (t: Tensor | undefined, name: string) => {
      check(t !== undefined, `${name} is missing`);
      return be.read(t as Tensor);
    };
    checkClose(await read(f.y, 'y'), await read(r.y, 'composite y'), tol, 'y');
    checkClose(await read(f.hN, 'hN'), await read(r.hN, 'composite hN'), tol, 'hN');
    if (v.cell === 'lstm') checkClose(await read(f.cN, 'cN'), await read(r.cN, 'composite cN'), tol, 'cN');
    else check(f.cN === undefined, `${v.cell} has no cell state, got cN`);

    const rng = new Rng(seed + 100);
    const up = (dims: number[]) => {
      const t = be.upload(
        randomArray(
          rng,
          dims.reduce((a, b) => a * b, 1),
        ),
        dims,
      );
      made.push(t);
      return t;
    };
    const grads = {
      ...(upstream.dy ? { dy: up([shape.T, shape.B, shape.H]) } : {}),
      ...(upstream.dhN ? { dhN: up([shape.B, shape.H]) } : {}),
      ...(upstream.dcN && v.cell === 'lstm' ? { dcN: up([shape.B, shape.H]) } : {}),
    };
    const fb: RecurrentBackwardResult = be.recurrentBackward({ forward: args, saved: f.saved!, ...grads });
    made.push(...Object.values(fb));
    hooks.afterBackward?.(args);
    const rb: RecurrentBackwardResult = ref.recurrentBackward({ forward: refArgs, saved: r.saved!, ...grads });
    made.push(...Object.values(rb));
    check(fb.dx !== undefined, 'dx is missing');
    checkShape(fb.dx.shape, [shape.T, shape.B, shape.D], 'dx');
    checkClose(await read(fb.dx, 'dx'), await read(rb.dx, 'composite dx'), tol, 'dx');
    checkClose(await read(fb.dh0, 'dh0'), await read(rb.dh0, 'composite dh0'), tol, 'dh0');
    if (v.cell === 'lstm') checkClose(await read(fb.dc0, 'dc0'), await read(rb.dc0, 'composite dc0'), tol, 'dc0');
    checkClose(await read(fb.dWeightIh, 'dWeightIh'), await read(rb.dWeightIh, 'composite dWeightIh'), tol, 'dWeightIh');
    checkClose(await read(fb.dWeightHh, 'dWeightHh'), await read(rb.dWeightHh, 'composite dWeightHh'), tol, 'dWeightHh');
    checkShape(fb.dWeightHh.shape, args.weightHh.shape, 'dWeightHh');
    check((fb.dBiasIh === undefined) === (args.biasIh === undefined), 'dBiasIh exactly when biasIh is given');
    check((fb.dBiasHh === undefined) === (args.biasHh === undefined), 'dBiasHh exactly when biasHh is given');
    if (args.biasIh) checkClose(await read(fb.dBiasIh, 'dBiasIh'), await read(rb.dBiasIh, 'composite dBiasIh'), tol, 'dBiasIh');
    if (args.biasHh) checkClose(await read(fb.dBiasHh, 'dBiasHh'), await read(rb.dBiasHh, 'composite dBiasHh'), tol, 'dBiasHh');
  } finally {
    f?.saved?.dispose();
    r?.saved?.dispose();
    for (const t of new Set(made)) if (t) be.dispose(t);
  }
  check(be.liveTensors() === live, `every tensor disposed: expected ${live} live, got ${be.liveTensors()}`);
}
