import { BACKEND_SPEC_VERSION, RnnkitError, formatShape } from '@rnnkit/core';
import type {
  AdamUpdateArgs,
  AdamUpdateResult,
  Backend,
  BackendInfo,
  RecurrentBackwardArgs,
  RecurrentBackwardResult,
  RecurrentForwardArgs,
  RecurrentForwardResult,
  SgdUpdateArgs,
  SgdUpdateResult,
  Shape,
  Tensor,
} from '@rnnkit/core';
import type { TensorContainer } from '@tensorflow/tfjs-core';
import { ENGINE_LABELS } from './engine.js';
import type { StartedEngine, TfjsEngineKind } from './engine.js';
import { add } from './kernels/add.js';
import { adamUpdate } from './kernels/adamUpdate.js';
import { addRowVector } from './kernels/addRowVector.js';
import { affine } from './kernels/affine.js';
import { clip } from './kernels/clip.js';
import { concatColumns } from './kernels/concatColumns.js';
import { concatRows } from './kernels/concatRows.js';
import { dispose } from './kernels/dispose.js';
import { div } from './kernels/div.js';
import { fill } from './kernels/fill.js';
import { gatherRows } from './kernels/gatherRows.js';
import { matmul } from './kernels/matmul.js';
import type { MatmulOptions } from './kernels/matmul.js';
import { mul } from './kernels/mul.js';
import { mulColumnVector } from './kernels/mulColumnVector.js';
import { read } from './kernels/read.js';
import { recurrentBackward } from './kernels/recurrentBackward.js';
import { recurrentForward } from './kernels/recurrentForward.js';
import { relu } from './kernels/relu.js';
import { reluBackward } from './kernels/reluBackward.js';
import { reshape } from './kernels/reshape.js';
import { scatterAddRows } from './kernels/scatterAddRows.js';
import { sgdUpdate } from './kernels/sgdUpdate.js';
import { sigmoid } from './kernels/sigmoid.js';
import { sigmoidBackward } from './kernels/sigmoidBackward.js';
import { sliceColumns } from './kernels/sliceColumns.js';
import { sliceRows } from './kernels/sliceRows.js';
import { softmax } from './kernels/softmax.js';
import { softmaxCrossEntropy } from './kernels/softmaxCrossEntropy.js';
import { sqrt } from './kernels/sqrt.js';
import { sub } from './kernels/sub.js';
import { sum } from './kernels/sum.js';
import { sumRows } from './kernels/sumRows.js';
import { sumSquares } from './kernels/sumSquares.js';
import { tanh } from './kernels/tanh.js';
import { tanhBackward } from './kernels/tanhBackward.js';
import { upload } from './kernels/upload.js';
import { zeros } from './kernels/zeros.js';
import { TfjsTensor } from './tensor.js';
import { registerRnnkitKernels } from './tfjs_kernels/register.js';
import type { Tf, TfTensor } from './tf.js';

export interface TfjsBackendInfo extends BackendInfo {
  name: 'tfjs';
  /** `tfjs-node`, `tfjs-wasm` or `tfjs-cpu`. */
  engine: string;
  /** The tfjs backend that runs the kernels: `tensorflow`, `wasm`, `cpu`. */
  tfBackend: string;
  /** tfjs-wasm only. In Node tfjs turns wasm threads off, so `threads` is false there. */
  wasm?: { simd: boolean; threads: boolean };
  /** Engines preferred over this one that could not start here, with why (e.g. tfjs-node's missing binding). */
  skipped?: string[];
}

/**
 * The Backend interface on TensorFlow.js. Each kernel lives in `kernels/<op>.ts`; this class
 * owns the handles and the plumbing they share: every call makes its engine the active tfjs
 * backend, runs inside `tf.tidy` (so nothing leaks, even when a call throws half way) and
 * wraps each resulting tf.Tensor in a new handle.
 */
export class TfjsBackend implements Backend {
  readonly specificationVersion = BACKEND_SPEC_VERSION;
  readonly name = 'tfjs';
  /** @internal The tfjs-core namespace. */
  readonly tf: Tf;
  readonly engineKind: TfjsEngineKind;
  private readonly tfBackendName: string;
  private readonly wasmInfo: { simd: boolean; threads: boolean } | undefined;
  private readonly skipped: string[];
  private readonly live = new Set<TfjsTensor>();
  /** tf.Tensors already held by a handle: wrapping one again clones it, so handles never share. */
  private readonly owned = new WeakSet<TfTensor>();
  private destroyed = false;

  constructor(engine: StartedEngine) {
    this.tf = engine.tf;
    this.engineKind = engine.kind;
    this.tfBackendName = engine.tfBackendName;
    this.wasmInfo = engine.wasm;
    this.skipped = engine.skipped;
    if (engine.kind === 'wasm' || engine.kind === 'cpu') registerRnnkitKernels(this.tf, engine.kind);
  }

  info(): TfjsBackendInfo {
    return {
      name: 'tfjs',
      engine: ENGINE_LABELS[this.engineKind],
      tfBackend: this.tfBackendName,
      ...(this.wasmInfo ? { wasm: { ...this.wasmInfo } } : {}),
      ...(this.skipped.length ? { skipped: [...this.skipped] } : {}),
    };
  }

  // ---- plumbing used by the kernels -------------------------------------------------------

  /** @internal Makes this backend's engine the active tfjs backend (synchronous: it is already initialized). */
  activate(): void {
    if (this.destroyed) throw new RnnkitError('DISPOSED', 'tfjs backend: this backend was destroyed; create a new one');
    if (this.tf.getBackend() !== this.tfBackendName) void this.tf.setBackend(this.tfBackendName);
  }

  /** @internal The tf.Tensor behind a handle, after checking it is a live handle of this backend. */
  unwrap(x: unknown, argument: string): TfTensor {
    if (!(x instanceof TfjsTensor)) {
      const got = x && typeof x === 'object' && 'backend' in x ? `a tensor of backend "${String((x as Tensor).backend)}"` : typeof x;
      throw new RnnkitError('BACKEND_MISMATCH', `${argument}: expected a tensor of the tfjs backend, got ${got}`, { argument });
    }
    if (x.owner !== this) {
      throw new RnnkitError('BACKEND_MISMATCH', `${argument}: expected a tensor made by this tfjs backend, got one made by another tfjs backend instance`, { argument });
    }
    if (x.tensor === null) throw new RnnkitError('DISPOSED', `${argument}: expected a live tensor, got one that was disposed (shape ${formatShape(x.shape)})`, { argument });
    return x.tensor;
  }

  /** @internal Hands a tf.Tensor out as a new handle. */
  wrap(t: TfTensor): TfjsTensor {
    const own = this.owned.has(t) ? this.tf.clone(t) : t;
    this.owned.add(own);
    const h = new TfjsTensor(own, this);
    this.live.add(h);
    return h;
  }

  /** @internal Runs tf work inside tf.tidy on this backend's engine; tensors returned are kept. */
  run<R extends TensorContainer>(fn: () => R): R {
    this.activate();
    return this.tf.tidy(fn);
  }

  /** @internal Releases a handle (a second dispose is a no-op). */
  release(x: TfjsTensor): void {
    if (x.tensor === null) return;
    x.tensor.dispose();
    x.tensor = null;
    this.live.delete(x);
  }

  // ---- memory -------------------------------------------------------------------------------

  upload(data: Float32Array, shape: Shape): Tensor {
    return upload(this, data, shape);
  }
  zeros(shape: Shape): Tensor {
    return zeros(this, shape);
  }
  fill(shape: Shape, value: number): Tensor {
    return fill(this, shape, value);
  }
  read(x: Tensor): Promise<Float32Array> {
    return read(this, x);
  }
  dispose(x: Tensor): void {
    dispose(this, x);
  }
  reshape(x: Tensor, shape: Shape): Tensor {
    return reshape(this, x, shape);
  }
  liveTensors(): number {
    return this.live.size;
  }

  // ---- primitives ---------------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, opts?: MatmulOptions): Tensor {
    return matmul(this, a, b, opts);
  }
  add(a: Tensor, b: Tensor): Tensor {
    return add(this, a, b);
  }
  sub(a: Tensor, b: Tensor): Tensor {
    return sub(this, a, b);
  }
  mul(a: Tensor, b: Tensor): Tensor {
    return mul(this, a, b);
  }
  div(a: Tensor, b: Tensor): Tensor {
    return div(this, a, b);
  }
  affine(a: Tensor, s: number, t: number): Tensor {
    return affine(this, a, s, t);
  }
  addRowVector(a: Tensor, v: Tensor): Tensor {
    return addRowVector(this, a, v);
  }
  mulColumnVector(a: Tensor, v: Tensor): Tensor {
    return mulColumnVector(this, a, v);
  }
  tanh(a: Tensor): Tensor {
    return tanh(this, a);
  }
  sigmoid(a: Tensor): Tensor {
    return sigmoid(this, a);
  }
  relu(a: Tensor): Tensor {
    return relu(this, a);
  }
  sqrt(a: Tensor): Tensor {
    return sqrt(this, a);
  }
  clip(a: Tensor, lo: number, hi: number): Tensor {
    return clip(this, a, lo, hi);
  }
  tanhBackward(y: Tensor, dy: Tensor): Tensor {
    return tanhBackward(this, y, dy);
  }
  sigmoidBackward(y: Tensor, dy: Tensor): Tensor {
    return sigmoidBackward(this, y, dy);
  }
  reluBackward(y: Tensor, dy: Tensor): Tensor {
    return reluBackward(this, y, dy);
  }
  sumRows(a: Tensor): Tensor {
    return sumRows(this, a);
  }
  sum(a: Tensor): Tensor {
    return sum(this, a);
  }
  sumSquares(a: Tensor): Tensor {
    return sumSquares(this, a);
  }
  sliceColumns(a: Tensor, start: number, width: number): Tensor {
    return sliceColumns(this, a, start, width);
  }
  concatColumns(parts: readonly Tensor[]): Tensor {
    return concatColumns(this, parts);
  }
  sliceRows(a: Tensor, start: number, count: number): Tensor {
    return sliceRows(this, a, start, count);
  }
  concatRows(parts: readonly Tensor[]): Tensor {
    return concatRows(this, parts);
  }
  gatherRows(a: Tensor, indices: Int32Array): Tensor {
    return gatherRows(this, a, indices);
  }
  scatterAddRows(a: Tensor, indices: Int32Array, numRows: number): Tensor {
    return scatterAddRows(this, a, indices, numRows);
  }
  softmaxCrossEntropy(logits: Tensor, targets: Int32Array, ignoreIndex: number): { loss: Tensor; grad: Tensor } {
    return softmaxCrossEntropy(this, logits, targets, ignoreIndex);
  }
  softmax(a: Tensor): Tensor {
    return softmax(this, a);
  }

  // ---- fused kernels: recurrent layers and optimizer updates ------------------------------

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult {
    return recurrentForward(this, args);
  }
  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult {
    return recurrentBackward(this, args);
  }
  sgdUpdate(args: SgdUpdateArgs): SgdUpdateResult {
    return sgdUpdate(this, args);
  }
  adamUpdate(args: AdamUpdateArgs): AdamUpdateResult {
    return adamUpdate(this, args);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  async sync(): Promise<void> {
    // tfjs kernels on cpu/wasm/node run synchronously; nothing is queued.
  }

  /** Disposes every handle still live; later calls throw DISPOSED. The tfjs engine stays registered. */
  destroy(): void {
    for (const x of [...this.live]) this.release(x);
    this.destroyed = true;
  }
}
