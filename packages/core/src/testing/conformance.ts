import type { Backend } from '../backend/backend.js';
import { CELL_KINDS, hasCellState } from '../cells.js';
import type { RecurrentSpec } from '../graph/spec.js';
import { numDirections } from '../graph/spec.js';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '../model/recurrent_layer.js';
import { initParams } from '../params/init.js';
import { recurrentParams } from '../params/names.js';
import type { Tensor } from '../tensor.js';
import { Rng } from '../util/rng.js';
import { referenceRecurrent64 } from './reference.js';

/**
 * The shared conformance cases: every backend's suite runs them. A case fixes a recurrent layer
 * configuration and a seed; parameters and inputs are drawn in float32 on the host, so the
 * backend and the float64 reference see the same numbers and differ only in arithmetic.
 */
export interface ConformanceCase {
  name: string;
  spec: RecurrentSpec;
  T: number;
  B: number;
  lengths?: number[];
  initialState: boolean;
  seed: number;
}

/**
 * Documented tolerances. Errors are max |backend − reference| / max(1, max |reference|): absolute
 * for values of order one, relative for larger ones. Float32 arithmetic over these sizes
 * lands near 1e-7–1e-6 (measured, see docs/architecture.md); the bounds leave room for
 * reassociation (blocked GEMMs, GPU reductions) and long sequences.
 */
export const FORWARD_TOLERANCE = 1e-5;
export const GRADIENT_TOLERANCE = 1e-4;

export type CellVariant = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru' | 'gru_reset_before';
export const CELL_VARIANTS: readonly CellVariant[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru', 'gru_reset_before'];

export function variantSpec(v: CellVariant, o: Partial<RecurrentSpec> = {}): RecurrentSpec {
  return {
    type: 'recurrent',
    cell: v === 'gru_reset_before' ? 'gru' : v,
    gruResetAfter: v !== 'gru_reset_before',
    inputSize: 3,
    hiddenSize: 4,
    numLayers: 1,
    bidirectional: false,
    dropout: 0,
    batchFirst: true,
    bias: true,
    ...o,
  };
}

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Unsorted lengths in 1..T with at least one full-length sequence. */
function makeLengths(T: number, B: number, rng: Rng): number[] {
  const out = Array.from({ length: B }, () => 1 + rng.int(T));
  out[B > 1 ? 1 : 0] = T;
  return out;
}

/**
 * The full matrix: 5 cell variants × 1/3 layers × uni/bidirectional × batchFirst true/false ×
 * with/without lengths × with/without initial states (160 cases); reverse-only layers per variant:
 * 1/2 layers × batchFirst true/false × without / with lengths and initial states (40 cases); plus
 * edge cases per variant: T=1, B=1, H=1, D=1, T=300 and no bias.
 */
export function conformanceCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const add = (name: string, spec: RecurrentSpec, T: number, B: number, withLengths: boolean, initialState: boolean) => {
    const seed = seedOf(name);
    const lengths = withLengths ? makeLengths(T, B, new Rng(seed ^ 0x5eed)) : undefined;
    cases.push({ name, spec, T, B, ...(lengths ? { lengths } : {}), initialState, seed });
  };
  for (const v of CELL_VARIANTS) {
    for (const numLayers of [1, 3])
      for (const bidirectional of [false, true])
        for (const batchFirst of [true, false])
          for (const withLengths of [false, true])
            for (const init of [false, true]) {
              const name = `${v} L${numLayers} ${bidirectional ? 'bi' : 'uni'} ${batchFirst ? 'batchFirst' : 'timeMajor'}${withLengths ? ' lengths' : ''}${init ? ' h0' : ''}`;
              add(name, variantSpec(v, { numLayers, bidirectional, batchFirst }), 5, 3, withLengths, init);
            }
    // Reverse-only layers (direction "reverse"): one direction, read from each sequence's last
    // valid step back; with lengths the reversal stays inside each length, padding in place.
    for (const numLayers of [1, 2])
      for (const batchFirst of [true, false])
        for (const both of [false, true]) {
          const name = `${v} L${numLayers} rev ${batchFirst ? 'batchFirst' : 'timeMajor'}${both ? ' lengths h0' : ''}`;
          add(name, variantSpec(v, { numLayers, direction: 'reverse', batchFirst }), 5, 3, both, both);
        }
    add(`${v} edge T=1`, variantSpec(v, { numLayers: 2, bidirectional: true }), 1, 3, true, true);
    add(`${v} edge B=1`, variantSpec(v, { numLayers: 2, bidirectional: true }), 5, 1, true, true);
    add(`${v} edge H=1`, variantSpec(v, { numLayers: 2, bidirectional: true, hiddenSize: 1 }), 5, 3, true, true);
    add(`${v} edge D=1`, variantSpec(v, { numLayers: 2, bidirectional: true, inputSize: 1 }), 5, 3, true, true);
    add(`${v} edge T=300`, variantSpec(v, { bidirectional: true }), 300, 2, true, true);
    add(`${v} edge no bias`, variantSpec(v, { numLayers: 2, bidirectional: true, bias: false }), 5, 3, true, true);
  }
  return cases;
}

/** Host-side data of a case, float32 values (the reference widens them to float64). */
export interface CaseData {
  params: Map<string, Float32Array>;
  x: Float32Array;
  h0?: Float32Array;
  c0?: Float32Array;
  /** Loss L = Σ output⊙ry + Σ hN⊙rh (+ Σ cN⊙rc): these are the upstream gradients. */
  ry: Float32Array;
  rh: Float32Array;
  rc?: Float32Array;
  xShape: number[];
  stateShape: number[];
}

export function caseData(c: ConformanceCase): CaseData {
  const s = c.spec;
  const rng = new Rng(c.seed);
  const params = initParams(recurrentParams(s), c.seed);
  const dirs = numDirections(s);
  const xShape = s.batchFirst ? [c.B, c.T, s.inputSize] : [c.T, c.B, s.inputSize];
  const stateShape = [s.numLayers * dirs, c.B, s.hiddenSize];
  const draw = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());
  const nState = stateShape[0] * stateShape[1] * stateShape[2];
  const lstm = hasCellState(s.cell);
  const x = draw(c.T * c.B * s.inputSize);
  const h0 = c.initialState ? draw(nState, 0.5) : undefined;
  const c0 = c.initialState && lstm ? draw(nState, 0.5) : undefined;
  const ry = draw(c.T * c.B * dirs * s.hiddenSize);
  const rh = draw(nState);
  const rc = lstm ? draw(nState) : undefined;
  return { params, x, ...(h0 ? { h0 } : {}), ...(c0 ? { c0 } : {}), ry, rh, ...(rc ? { rc } : {}), xShape, stateShape };
}

const f64 = (a: Float32Array) => Float64Array.from(a);

/** Float64 copies of a case's inputs, made once and shared by every finite-difference evaluation. */
interface Case64 {
  x: Float64Array;
  h0?: Float64Array;
  c0?: Float64Array;
  params: Map<string, Float64Array>;
}

function widen(d: CaseData): Case64 {
  return {
    x: f64(d.x),
    ...(d.h0 ? { h0: f64(d.h0) } : {}),
    ...(d.c0 ? { c0: f64(d.c0) } : {}),
    params: new Map([...d.params].map(([k, v]) => [k, f64(v)])),
  };
}

/** L = Σ output⊙ry + Σ hN⊙rh (+ Σ cN⊙rc) of the float64 reference. Perturb w64's arrays in place. */
function referenceLoss(c: ConformanceCase, d: CaseData, w64: Case64): number {
  const out = referenceRecurrent64(c.spec, {
    x: w64.x,
    T: c.T,
    B: c.B,
    ...(w64.h0 ? { h0: w64.h0 } : {}),
    ...(w64.c0 ? { c0: w64.c0 } : {}),
    ...(c.lengths ? { lengths: c.lengths } : {}),
    params: w64.params,
  });
  let L = 0;
  for (let i = 0; i < out.output.length; i++) L += out.output[i] * d.ry[i];
  for (let i = 0; i < out.hN.length; i++) L += out.hN[i] * d.rh[i];
  if (out.cN && d.rc) for (let i = 0; i < out.cN.length; i++) L += out.cN[i] * d.rc[i];
  return L;
}

export interface ReferenceResult {
  output: Float64Array;
  hN: Float64Array;
  cN?: Float64Array;
  /** Central finite differences of the float64 reference loss, by name (`x`, `h0`, `c0`, parameters). */
  grads: Map<string, Float64Array>;
}

const referenceCache = new Map<string, ReferenceResult>();

/**
 * Forward values of the float64 reference and its gradients by central differences
 * (step 1e-6 in float64, error ~1e-9) at `fdCoordinates` of each tensor. Memoized per case, as
 * every backend uses the same ones.
 */
export function referenceFor(c: ConformanceCase, d: CaseData = caseData(c)): ReferenceResult {
  const hit = referenceCache.get(c.name);
  if (hit) return hit;
  const w64 = widen(d);
  const fwd = referenceRecurrent64(c.spec, {
    x: w64.x,
    T: c.T,
    B: c.B,
    ...(w64.h0 ? { h0: w64.h0 } : {}),
    ...(w64.c0 ? { c0: w64.c0 } : {}),
    ...(c.lengths ? { lengths: c.lengths } : {}),
    params: w64.params,
  });
  const eps = 1e-6;
  const grads = new Map<string, Float64Array>();
  const targets: [string, Float64Array][] = [
    ['x', w64.x],
    ...(w64.h0 ? [['h0', w64.h0] as [string, Float64Array]] : []),
    ...(w64.c0 ? [['c0', w64.c0] as [string, Float64Array]] : []),
    ...w64.params,
  ];
  for (const [name, v] of targets) {
    const g = new Float64Array(v.length).fill(NaN); // NaN: coordinate not checked
    for (const i of fdCoordinates(v.length)) {
      const orig = v[i];
      v[i] = orig + eps;
      const lp = referenceLoss(c, d, w64);
      v[i] = orig - eps;
      const lm = referenceLoss(c, d, w64);
      v[i] = orig;
      g[i] = (lp - lm) / (2 * eps);
    }
    grads.set(name, g);
  }
  const r: ReferenceResult = { output: fwd.output, hN: fwd.hN, ...(fwd.cN ? { cN: fwd.cN } : {}), grads };
  referenceCache.set(c.name, r);
  return r;
}

/**
 * Coordinates checked by finite differences in a tensor of n values: all of them up to
 * FD_MAX_COORDINATES, else that many spread evenly from the first to the last (so every gate
 * block and every step region of a large tensor is still visited). This keeps a full backend
 * run of the conformance cases to seconds of reference work instead of minutes.
 */
export const FD_MAX_COORDINATES = 24;
export function fdCoordinates(n: number): number[] {
  if (n <= FD_MAX_COORDINATES) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  for (let k = 0; k < FD_MAX_COORDINATES; k++) out.add(Math.round((k * (n - 1)) / (FD_MAX_COORDINATES - 1)));
  return [...out];
}

/** max |a − r| / max(1, max |r|), over coordinates where the reference is not NaN (unchecked). */
export function scaledError(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (actual.length !== ref.length) return Infinity;
  let err = 0;
  let scale = 1;
  for (let i = 0; i < ref.length; i++) {
    if (Number.isNaN(ref[i])) continue;
    const d = Math.abs(actual[i] - ref[i]);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return err / scale;
}

export interface ConformanceResult {
  name: string;
  forwardError: number;
  forwardTolerance: number;
  gradError: number;
  gradTolerance: number;
  /** The tensor with the largest gradient error. */
  worstGradient: string;
  /** Tensors the backend still held after the case, beyond those it held before (should be 0). */
  leakedTensors: number;
  pass: boolean;
}

/** Runs one case on a backend: forward against the reference, BPTT against finite differences. */
export async function runConformanceCase(be: Backend, c: ConformanceCase): Promise<ConformanceResult> {
  const d = caseData(c);
  const ref = referenceFor(c, d);
  const before = be.liveTensors();
  const held: Tensor[] = [];
  const up = (a: Float32Array, shape: number[]) => {
    const t = be.upload(a, shape);
    held.push(t);
    return t;
  };
  const params = new Map<string, Tensor>();
  for (const [k, v] of d.params) params.set(k, up(v, [...recurrentParams(c.spec).find((p) => p.name === k)!.shape]));
  const x = up(d.x, d.xShape);
  const h0 = d.h0 ? up(d.h0, d.stateShape) : undefined;
  const c0 = d.c0 ? up(d.c0, d.stateShape) : undefined;
  const lengths = c.lengths ? Int32Array.from(c.lengths) : undefined;
  const forward = () => {
    const f = runRecurrent(be, c.spec, params, x, {
      ...(h0 ? { h0 } : {}),
      ...(c0 ? { c0 } : {}),
      ...(lengths ? { lengths } : {}),
      training: true,
    });
    held.push(f.output, f.hN, ...(f.cN ? [f.cN] : []));
    return f;
  };
  const fwd = forward();
  const dOutput = up(d.ry, [...fwd.output.shape]);
  const dhN = up(d.rh, d.stateShape);
  const dcN = d.rc ? up(d.rc, d.stateShape) : undefined;
  const upstream = { dOutput, dhN, ...(dcN ? { dcN } : {}) };
  const g = backpropRecurrent(be, c.spec, fwd.cache!, upstream);
  disposeRecurrentCache(fwd.cache!);
  held.push(...(g.dx ? [g.dx] : []), g.dh0, ...(g.dc0 ? [g.dc0] : []), ...g.grads.values());
  // Again as a training step runs it, without d loss / d x (a backend may skip that GEMM): the
  // parameter gradients must not change, and no dx may come back.
  const fwdNoDx = forward();
  const gNoDx = backpropRecurrent(be, c.spec, fwdNoDx.cache!, upstream, { inputGrad: false });
  disposeRecurrentCache(fwdNoDx.cache!);
  held.push(...(gNoDx.dx ? [gNoDx.dx] : []), gNoDx.dh0, ...(gNoDx.dc0 ? [gNoDx.dc0] : []), ...gNoDx.grads.values());

  let forwardError = Math.max(scaledError(await be.read(fwd.output), ref.output), scaledError(await be.read(fwd.hN), ref.hN));
  if (ref.cN && fwd.cN) forwardError = Math.max(forwardError, scaledError(await be.read(fwd.cN), ref.cN));
  let gradError = 0;
  let worstGradient = '';
  const check = async (name: string, t: Tensor | undefined, variant = '') => {
    const r = ref.grads.get(name);
    if (!r) return;
    const e = t ? scaledError(await be.read(t), r) : Infinity;
    if (!(e <= gradError)) {
      gradError = e;
      worstGradient = name + variant;
    }
  };
  await check('x', g.dx);
  if (d.h0) await check('h0', g.dh0);
  if (d.c0) await check('c0', g.dc0);
  for (const name of d.params.keys()) await check(name, g.grads.get(name));
  if (gNoDx.dx) {
    gradError = Infinity;
    worstGradient = 'x (returned with inputGrad: false)';
  }
  for (const name of d.params.keys()) await check(name, gNoDx.grads.get(name), ' (inputGrad: false)');
  for (const t of held) be.dispose(t);
  const leakedTensors = be.liveTensors() - before;
  return {
    name: c.name,
    forwardError,
    forwardTolerance: FORWARD_TOLERANCE,
    gradError,
    gradTolerance: GRADIENT_TOLERANCE,
    worstGradient,
    leakedTensors,
    pass: forwardError <= FORWARD_TOLERANCE && gradError <= GRADIENT_TOLERANCE && leakedTensors === 0,
  };
}

export { CELL_KINDS };
