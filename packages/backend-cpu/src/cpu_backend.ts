import { BACKEND_SPEC_VERSION, RnnkitError, compositeRecurrentBackward, formatShape, sizeOf } from '@rnnkit/core';
import type {
  Backend,
  BackendInfo,
  RecurrentBackwardArgs,
  RecurrentBackwardResult,
  RecurrentForwardArgs,
  RecurrentForwardResult,
  Shape,
  Tensor,
} from '@rnnkit/core';
import * as k from './kernels/index.js';
import { CpuRecurrentSaved } from './kernels/recurrent_impl.js';
import { CpuTensor, asCpu } from './tensor.js';
import type { CpuData, TensorStore } from './tensor.js';
import { checkShape, invalid, shapeError } from './validate.js';
import type { WasmKernels } from './wasm/load.js';
import { recurrentBackwardWasm } from './wasm/recurrent_backward.js';
import { recurrentForwardWasm } from './wasm/recurrent_forward.js';

/** Stops the worker threads of a backend that was dropped without `destroy()`. */
const workerCleanup = new FinalizationRegistry<WasmKernels>((w) => w.close());

/** What runs the GEMMs and the fused recurrent kernels. */
export type CpuEngine = 'cpu-js' | 'cpu-wasm-simd' | 'cpu-wasm-relaxed-simd';

export interface CpuBackendInfo extends BackendInfo {
  engine: CpuEngine;
  /** WebAssembly SIMD128 kernels run the GEMMs and the fused recurrent kernels. */
  simd: boolean;
  /** Those kernels are the relaxed-SIMD build: fused multiply-add. */
  fma: boolean;
  /** Threads the large GEMMs use (workers over shared memory; 1 without them). */
  threads: number;
}

/**
 * The default backend: tensors are Float32Arrays in this thread, every op runs synchronously.
 * Each method checks its handles (a live cpu tensor) and shapes, runs the kernel of the same
 * name from `kernels/`, and wraps the result in a new handle counted by `liveTensors()`.
 *
 * Given loaded WebAssembly kernels (`createCpuBackend()` loads them where the runtime has
 * SIMD), the GEMMs, the fused recurrent forward and backward, and add, sub, mul, affine and
 * sumSquares of large tensors run on them (`wasm/`); the other primitives stay in JS. Without
 * them (`new CpuBackend()`, or `{ simd: false }`) everything is plain TypeScript.
 */
export class CpuBackend implements Backend {
  readonly specificationVersion = BACKEND_SPEC_VERSION;
  readonly name = 'cpu';
  /** Both fused recurrent kernels take batch-first x (and give y, take dy, give dx) themselves. */
  readonly recurrentBatchFirst = true;
  private readonly store: TensorStore = { live: 0, destroyed: false };
  private wasm: WasmKernels | undefined;

  constructor(opts: { wasm?: WasmKernels } = {}) {
    this.wasm = opts.wasm;
    if (this.wasm && this.wasm.threads > 1) workerCleanup.register(this, this.wasm);
  }

  info(): CpuBackendInfo {
    const w = this.wasm;
    return { name: this.name, engine: w ? (w.fma ? 'cpu-wasm-relaxed-simd' : 'cpu-wasm-simd') : 'cpu-js', simd: !!w, fma: !!w?.fma, threads: w?.threads ?? 1 };
  }
  async sync(): Promise<void> {}
  /** Invalidates every handle this backend gave out (later calls throw DISPOSED), drops the kernels' memory and stops their worker threads. */
  destroy(): void {
    this.store.destroyed = true;
    this.store.live = 0;
    this.wasm?.close();
    this.wasm = undefined;
  }

  private wrap(d: CpuData): CpuTensor {
    if (this.store.destroyed) throw new RnnkitError('DISPOSED', 'cpu backend: it was destroyed; create a new one', { argument: 'backend' });
    this.store.live++;
    return new CpuTensor(d.data, d.shape, this.store);
  }

  // Memory

  upload(data: Float32Array, shape: Shape): CpuTensor {
    const s = checkShape('upload', 'shape', shape);
    if (!(data instanceof Float32Array)) invalid('upload', 'data', 'a Float32Array', Object.prototype.toString.call(data));
    if (data.length !== sizeOf(s)) {
      throw new RnnkitError('SHAPE_MISMATCH', `upload: data: expected ${sizeOf(s)} values for shape ${formatShape(s)}, got ${data.length}`, { argument: 'data' });
    }
    return this.wrap({ data: data.slice(), shape: s }); // a copy: the caller may reuse its array
  }
  zeros(shape: Shape): CpuTensor {
    const s = checkShape('zeros', 'shape', shape);
    return this.wrap({ data: new Float32Array(sizeOf(s)), shape: s });
  }
  fill(shape: Shape, value: number): CpuTensor {
    const s = checkShape('fill', 'shape', shape);
    if (typeof value !== 'number') invalid('fill', 'value', 'a number', typeof value);
    return this.wrap({ data: new Float32Array(sizeOf(s)).fill(value), shape: s });
  }
  async read(x: Tensor): Promise<Float32Array> {
    return this.readSync(x);
  }
  /** The CPU backend can read without waiting: a copy of x's data. */
  readSync(x: Tensor): Float32Array {
    return asCpu(x, 'x').data.slice();
  }
  dispose(x: Tensor): void {
    asCpu(x, 'x').release();
  }
  /** A new handle on the same buffer. */
  reshape(x: Tensor, shape: Shape): CpuTensor {
    const t = asCpu(x, 'x');
    const s = checkShape('reshape', 'shape', shape);
    if (sizeOf(s) !== sizeOf(t.shape)) shapeError('reshape', 'shape', `${sizeOf(t.shape)} elements (x is ${formatShape(t.shape)})`, s);
    return this.wrap({ data: t.data, shape: s });
  }
  liveTensors(): number {
    return this.store.live;
  }

  // Primitives

  matmul(a: Tensor, b: Tensor, opts: { transposeA?: boolean; transposeB?: boolean; alpha?: number; c?: Tensor; beta?: number } = {}): CpuTensor {
    const { c, ...rest } = opts;
    return this.wrap(k.matmul(asCpu(a, 'a'), asCpu(b, 'b'), c ? { ...rest, c: asCpu(c, 'c') } : rest, this.wasm));
  }
  add(a: Tensor, b: Tensor): CpuTensor {
    return this.wrap(k.add(asCpu(a, 'a'), asCpu(b, 'b'), this.wasm));
  }
  sub(a: Tensor, b: Tensor): CpuTensor {
    return this.wrap(k.sub(asCpu(a, 'a'), asCpu(b, 'b'), this.wasm));
  }
  mul(a: Tensor, b: Tensor): CpuTensor {
    return this.wrap(k.mul(asCpu(a, 'a'), asCpu(b, 'b'), this.wasm));
  }
  div(a: Tensor, b: Tensor): CpuTensor {
    return this.wrap(k.div(asCpu(a, 'a'), asCpu(b, 'b')));
  }
  affine(a: Tensor, s: number, t: number): CpuTensor {
    return this.wrap(k.affine(asCpu(a, 'a'), s, t, this.wasm));
  }
  addRowVector(a: Tensor, v: Tensor): CpuTensor {
    return this.wrap(k.addRowVector(asCpu(a, 'a'), asCpu(v, 'v')));
  }
  mulColumnVector(a: Tensor, v: Tensor): CpuTensor {
    return this.wrap(k.mulColumnVector(asCpu(a, 'a'), asCpu(v, 'v')));
  }
  tanh(a: Tensor): CpuTensor {
    return this.wrap(k.tanh(asCpu(a, 'a')));
  }
  sigmoid(a: Tensor): CpuTensor {
    return this.wrap(k.sigmoid(asCpu(a, 'a')));
  }
  relu(a: Tensor): CpuTensor {
    return this.wrap(k.relu(asCpu(a, 'a')));
  }
  sqrt(a: Tensor): CpuTensor {
    return this.wrap(k.sqrt(asCpu(a, 'a')));
  }
  clip(a: Tensor, lo: number, hi: number): CpuTensor {
    return this.wrap(k.clip(asCpu(a, 'a'), lo, hi));
  }
  tanhBackward(y: Tensor, dy: Tensor): CpuTensor {
    return this.wrap(k.tanhBackward(asCpu(y, 'y'), asCpu(dy, 'dy')));
  }
  sigmoidBackward(y: Tensor, dy: Tensor): CpuTensor {
    return this.wrap(k.sigmoidBackward(asCpu(y, 'y'), asCpu(dy, 'dy')));
  }
  reluBackward(y: Tensor, dy: Tensor): CpuTensor {
    return this.wrap(k.reluBackward(asCpu(y, 'y'), asCpu(dy, 'dy')));
  }
  sumRows(a: Tensor): CpuTensor {
    return this.wrap(k.sumRows(asCpu(a, 'a')));
  }
  sum(a: Tensor): CpuTensor {
    return this.wrap(k.sum(asCpu(a, 'a')));
  }
  sumSquares(a: Tensor): CpuTensor {
    return this.wrap(k.sumSquares(asCpu(a, 'a'), this.wasm));
  }
  sliceColumns(a: Tensor, start: number, width: number): CpuTensor {
    return this.wrap(k.sliceColumns(asCpu(a, 'a'), start, width));
  }
  concatColumns(parts: readonly Tensor[]): CpuTensor {
    return this.wrap(k.concatColumns(this.all(parts)));
  }
  /** A view sharing a's buffer. */
  sliceRows(a: Tensor, start: number, count: number): CpuTensor {
    return this.wrap(k.sliceRows(asCpu(a, 'a'), start, count));
  }
  concatRows(parts: readonly Tensor[]): CpuTensor {
    return this.wrap(k.concatRows(this.all(parts)));
  }
  gatherRows(a: Tensor, indices: Int32Array): CpuTensor {
    return this.wrap(k.gatherRows(asCpu(a, 'a'), indices));
  }
  scatterAddRows(a: Tensor, indices: Int32Array, numRows: number): CpuTensor {
    return this.wrap(k.scatterAddRows(asCpu(a, 'a'), indices, numRows));
  }
  softmaxCrossEntropy(logits: Tensor, targets: Int32Array, ignoreIndex: number): { loss: CpuTensor; grad: CpuTensor } {
    const r = k.softmaxCrossEntropy(asCpu(logits, 'logits'), targets, ignoreIndex);
    return { loss: this.wrap(r.loss), grad: this.wrap(r.grad) };
  }
  softmax(a: Tensor): CpuTensor {
    return this.wrap(k.softmax(asCpu(a, 'a')));
  }
  /** MSE's sum of squares and gradient in one pass (see kernels/squared_error_grad.ts). */
  squaredErrorGrad(output: Tensor, target: Tensor, gradScale: number): { sumSquares: CpuTensor; grad: CpuTensor } {
    const r = k.squaredErrorGrad(asCpu(output, 'output'), asCpu(target, 'target'), gradScale, this.wasm);
    return { sumSquares: this.wrap(r.sumSquares), grad: this.wrap(r.grad) };
  }

  // Fused kernels

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult {
    const r = this.wasm ? recurrentForwardWasm(this.wasm, args) : k.recurrentForward(args);
    return {
      y: this.wrap(r.y),
      hN: this.wrap(r.hN),
      ...(r.cN ? { cN: this.wrap(r.cN) } : {}),
      ...(r.saved ? { saved: r.saved } : {}),
    };
  }
  /** Backward of `recurrentForward`; a `saved` from core's composite forward goes to the composite backward. */
  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult {
    if (!(args.saved instanceof CpuRecurrentSaved)) return compositeRecurrentBackward(this, args);
    const r = this.wasm ? recurrentBackwardWasm(this.wasm, args) : k.recurrentBackward(args);
    return {
      ...(r.dx ? { dx: this.wrap(r.dx) } : {}),
      dh0: this.wrap(r.dh0),
      ...(r.dc0 ? { dc0: this.wrap(r.dc0) } : {}),
      dWeightIh: this.wrap(r.dWeightIh),
      dWeightHh: this.wrap(r.dWeightHh),
      ...(r.dBiasIh ? { dBiasIh: this.wrap(r.dBiasIh) } : {}),
      ...(r.dBiasHh ? { dBiasHh: this.wrap(r.dBiasHh) } : {}),
    };
  }

  private all(parts: readonly Tensor[]): CpuTensor[] {
    if (!Array.isArray(parts)) invalid('concat', 'parts', 'an array of tensors', typeof parts);
    return parts.map((p, i) => asCpu(p, `parts[${i}]`));
  }
}
