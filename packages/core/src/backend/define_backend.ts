import { describe, RnnkitError } from '../errors.js';
import type { Shape, Tensor } from '../tensor.js';
import { formatShape, rowsCols, sizeOf } from '../tensor.js';
import type {
  AdamUpdateArgs,
  AdamUpdateResult,
  Backend,
  BackendInfo,
  FusedOpName,
  QuantizedMatmulArgs,
  QuantizedMatrix,
  QuantizedMode,
  QuantizedRecurrentForwardArgs,
  QuantizedTensor,
  RecurrentBackwardArgs,
  RecurrentBackwardResult,
  RecurrentForwardArgs,
  RecurrentForwardResult,
  RecurrentSaved,
  SgdUpdateArgs,
  SgdUpdateResult,
} from './backend.js';
import { BACKEND_SPEC_VERSION, FUSED_OPS } from './backend.js';
import { compositeAdamUpdate, compositeSgdUpdate } from './composite/optimizer_updates.js';
import { compositeQuantizedMatmul } from './composite/quantized_matmul.js';
import { compositeQuantizedRecurrentForward } from './composite/quantized_recurrent_forward.js';
import { CompositeQuantized } from './composite/quantized_weight.js';
import { compositeRecurrentBackward } from './composite/recurrent_backward.js';
import { CompositeSaved, compositeRecurrentForward } from './composite/recurrent_forward.js';
import { compositeSquaredErrorGrad } from './composite/squared_error_grad.js';
import type { RecurrentDims } from './contracts.js';
import * as contract from './contracts.js';
import type { BackendDefinitionParts, KernelTable, MatmulOptions, MemoryKernels } from './kernel_table.js';
import { DEFAULT_MAX_TENSOR_BYTES } from './kernel_table.js';

/**
 * Ownership marks kept on the tensor objects themselves: OWNER is the instance while the tensor
 * is live, DISPOSED_BY the instance that disposed it. A plain property store costs ~10 ns; the
 * Set add/has/delete ~160 ns and the WeakSet add 400–800 ns (with its GC cost) per tensor, which
 * was most of this layer's cost on a small training step.
 */
const OWNER = Symbol('rnnkit.owner');
const DISPOSED_BY = Symbol('rnnkit.disposedBy');
/** OWNER for int8 weight handles (`uploadQuantized`), so a float op never takes one. */
const QUANTIZED_OWNER = Symbol('rnnkit.quantizedOwner');
type Marked = { [OWNER]?: object; [DISPOSED_BY]?: object; [QUANTIZED_OWNER]?: object };

/** A native recurrent forward's `saved`, with the sizes it was made for and whether it was released. */
class NativeSaved implements RecurrentSaved {
  private released = false;
  constructor(
    readonly inner: RecurrentSaved,
    readonly dims: RecurrentDims,
    readonly owner: object,
  ) {}
  get disposed(): boolean {
    return this.released;
  }
  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.inner.dispose();
  }
}

/**
 * A `Backend` made from memory functions and a kernel table: the one place where arguments are
 * validated (`contracts.ts`), tensors are counted and checked for ownership, and each fused op
 * goes to the backend's kernel or to core's composite version. Subclass it to add
 * backend-specific methods (use `tensorOf` to accept a tensor argument there).
 */
export class KernelBackend<T extends Tensor, C, I extends object = object, Q extends QuantizedTensor = QuantizedTensor> implements Backend {
  readonly specificationVersion = BACKEND_SPEC_VERSION;
  readonly name: string;
  readonly recurrentBatchFirst: boolean;
  /** The backend's shared state, as its kernels see it. */
  readonly context: C;
  private readonly memory: MemoryKernels<T, C>;
  private readonly kernels: KernelTable<T, C, Q>;
  private readonly parts: BackendDefinitionParts<T, C, I, Q>;
  /** The table's own int8 form (`uploadQuantized`); otherwise core's `CompositeQuantized`. */
  private readonly nativeQuantized: boolean;
  /** Tensors handed out and not yet disposed (each marked OWNER = this). */
  private live = 0;
  private destroyed = false;
  /** The largest tensor this backend makes, in bytes (`BackendDefinitionParts.limits`); larger requests are LIMIT_EXCEEDED. */
  readonly maxTensorBytes: number;

  constructor(parts: BackendDefinitionParts<T, C, I, Q>) {
    const max = parts.limits?.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
    if (typeof max !== 'number' || !(max === Infinity || (Number.isSafeInteger(max) && max >= 4))) {
      contract.invalidArgument('defineBackend', 'limits.maxTensorBytes', 'an integer ≥ 4 or Infinity', max);
    }
    this.maxTensorBytes = max;
    this.parts = parts;
    this.name = parts.name;
    this.context = parts.context;
    this.memory = parts.memory;
    this.kernels = parts.kernels;
    const native = parts.kernels.recurrentForward !== undefined && parts.kernels.recurrentBackward !== undefined;
    this.recurrentBatchFirst = native && parts.recurrentBatchFirst === true;
    const k = parts.kernels;
    this.nativeQuantized = k.uploadQuantized !== undefined;
    if (this.nativeQuantized ? !k.disposeQuantized || !k.quantizedMatmul : k.disposeQuantized || k.quantizedMatmul || k.quantizedRecurrentForward) {
      contract.invalidArgument(
        'defineBackend',
        'kernels',
        'uploadQuantized, disposeQuantized and quantizedMatmul together (quantizedRecurrentForward optional), or none of them',
        (['uploadQuantized', 'disposeQuantized', 'quantizedMatmul', 'quantizedRecurrentForward'] as const).filter((n) => k[n] !== undefined).join(', '),
      );
    }
  }

  // ---- bookkeeping ------------------------------------------------------------------------

  /** Throws when the backend can't run work: destroyed, or the backend's own check (a lost device). */
  private enter(): void {
    if (this.destroyed) throw new RnnkitError('DISPOSED', `${this.name} backend: it was destroyed; create a new one`, { argument: 'backend' });
    this.parts.check?.(this.context);
  }

  /**
   * `x` as this backend's tensor type, after checking that it is a live tensor made by this very
   * instance. `argument` names it in errors, after `op`.
   */
  tensorOf(x: Tensor, argument: string, op = ''): T {
    if (x !== null && typeof x === 'object' && (x as Marked)[OWNER] === this && !this.destroyed) return x as T;
    const where = op ? `${op}: ${argument}` : argument;
    if (this.destroyed) throw new RnnkitError('DISPOSED', `${where}: the ${this.name} backend was destroyed; create a new one`, { argument });
    if (x !== null && typeof x === 'object' && (x as Marked)[DISPOSED_BY] === this) {
      throw new RnnkitError('DISPOSED', `${where}: the tensor ${formatShape(x.shape)} can't be used: it was disposed`, { argument });
    }
    if (x !== null && typeof x === 'object' && (x as Marked)[QUANTIZED_OWNER] === this) {
      contract.invalidArgument(op || 'backend', argument, 'a float32 tensor', 'an int8 weight (uploadQuantized): only the quantized ops take it');
    }
    const owner = x !== null && typeof x === 'object' && typeof (x as Tensor).backend === 'string' ? (x as Tensor).backend : undefined;
    if (owner === undefined) {
      throw new RnnkitError('INVALID_ARGUMENT', `${where}: expected a tensor of the ${this.name} backend, got ${describe(x)}`, { argument });
    }
    const which = owner === this.name ? `another ${this.name} backend instance` : `the ${JSON.stringify(owner)} backend`;
    throw new RnnkitError('BACKEND_MISMATCH', `${where}: expected a tensor of this ${this.name} backend, got one of ${which}`, { argument });
  }

  /**
   * Refuses a result of `elements` float32 values that the backend can't hold, before the
   * kernel runs (LIMIT_EXCEEDED, naming the op and the argument that sets the size).
   */
  private room(op: string, argument: string, elements: number, describeShape: () => string): void {
    const bytes = elements * 4;
    if (bytes <= this.maxTensorBytes) return;
    const shape = describeShape(); // formatted only on failure: this runs on every call
    throw new RnnkitError(
      'LIMIT_EXCEEDED',
      `${op}: ${argument}: expected a result of at most ${this.maxTensorBytes} bytes (the ${this.name} backend's maxTensorBytes), got ${bytes < 1e15 ? bytes : bytes.toExponential(3)} bytes (${shape})`,
      { argument },
    );
  }

  private optionalTensor(x: Tensor | undefined, argument: string, op: string): T | undefined {
    return x === undefined ? undefined : this.tensorOf(x, argument, op);
  }

  /** Counts a tensor a kernel returned. */
  private adopt(t: T): T {
    if ((t as Marked)[OWNER] === this) {
      throw new RnnkitError('BACKEND_FAILURE', `${this.name} backend: a kernel returned a tensor it was given; kernels must return new tensors`, {
        argument: 'result',
      });
    }
    (t as Marked)[OWNER] = this;
    this.live++;
    return t;
  }

  // ---- identity ---------------------------------------------------------------------------

  info(): BackendInfo & I {
    const fusedOps = {} as Record<FusedOpName, 'native' | 'composite'>;
    for (const op of FUSED_OPS) fusedOps[op] = this.kernels[op] ? 'native' : 'composite';
    const quantized: QuantizedMode = this.kernels.quantizedMatmul ? 'native' : this.memory.readSync ? 'host' : 'dequantized';
    return { ...this.parts.info(this.context), name: this.name, fusedOps, quantized } as BackendInfo & I;
  }

  async sync(): Promise<void> {
    this.enter();
    await this.parts.sync?.(this.context);
  }

  /** Releases everything; every handle this backend gave out becomes unusable (DISPOSED). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.live = 0;
    this.parts.destroy?.(this.context);
  }

  // ---- memory -----------------------------------------------------------------------------

  upload(data: Float32Array, shape: Shape): T {
    this.enter();
    const s = contract.checkShapeArgument('upload', 'shape', shape);
    if (!(data instanceof Float32Array)) contract.invalidArgument('upload', 'data', 'a Float32Array', data);
    if (data.length !== sizeOf(s)) {
      throw new RnnkitError('SHAPE_MISMATCH', `upload: data: expected ${sizeOf(s)} values for shape ${formatShape(s)}, got ${data.length}`, {
        argument: 'data',
      });
    }
    this.room('upload', 'shape', sizeOf(s), () => formatShape(s));
    return this.adopt(this.memory.upload(this.context, data, s));
  }
  zeros(shape: Shape): T {
    this.enter();
    const s = contract.checkShapeArgument('zeros', 'shape', shape);
    this.room('zeros', 'shape', sizeOf(s), () => formatShape(s));
    return this.adopt(this.memory.zeros(this.context, s));
  }
  fill(shape: Shape, value: number): T {
    this.enter();
    const s = contract.checkShapeArgument('fill', 'shape', shape);
    if (typeof value !== 'number') contract.invalidArgument('fill', 'value', 'a number', value);
    this.room('fill', 'shape', sizeOf(s), () => formatShape(s));
    return this.adopt(this.memory.fill(this.context, s, value));
  }
  async read(x: Tensor): Promise<Float32Array> {
    this.enter();
    return this.memory.read(this.context, this.tensorOf(x, 'x', 'read'));
  }
  dispose(x: Tensor): void {
    const t = this.tensorOf(x, 'x', 'dispose');
    (t as Marked)[OWNER] = undefined;
    (t as Marked)[DISPOSED_BY] = this;
    this.live--;
    this.memory.dispose(this.context, t);
  }
  reshape(x: Tensor, shape: Shape): T {
    this.enter();
    const t = this.tensorOf(x, 'x', 'reshape');
    const s = contract.checkShapeArgument('reshape', 'shape', shape);
    if (sizeOf(s) !== sizeOf(t.shape)) contract.shapeError('reshape', 'shape', `${sizeOf(t.shape)} elements (x is ${formatShape(t.shape)})`, s);
    return this.adopt(this.memory.reshape(this.context, t, s));
  }
  liveTensors(): number {
    return this.live;
  }

  // ---- primitives -------------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'matmul');
    const tb = this.tensorOf(b, 'b', 'matmul');
    if (opts === null || typeof opts !== 'object') contract.invalidArgument('matmul', 'opts', 'an options object', opts);
    const c = this.optionalTensor(opts.c, 'c', 'matmul');
    contract.checkMatmul(ta, tb, opts);
    const M = opts.transposeA ? ta.shape[1] : ta.shape[0];
    const N = opts.transposeB ? tb.shape[0] : tb.shape[1];
    this.room('matmul', 'b', M * N, () => `[${M}, ${N}]`);
    return this.adopt(this.kernels.matmul(this.context, ta, tb, c ? { ...opts, c } : (opts as MatmulOptions<T>)));
  }

  private binary(op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', op);
    const tb = this.tensorOf(b, 'b', op);
    contract.checkSameView(op, ta, tb);
    return this.adopt(this.kernels[op](this.context, ta, tb));
  }
  add(a: Tensor, b: Tensor): T {
    return this.binary('add', a, b);
  }
  sub(a: Tensor, b: Tensor): T {
    return this.binary('sub', a, b);
  }
  mul(a: Tensor, b: Tensor): T {
    return this.binary('mul', a, b);
  }
  div(a: Tensor, b: Tensor): T {
    return this.binary('div', a, b);
  }
  affine(a: Tensor, s: number, t: number): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'affine');
    contract.checkNumber('affine', 's', s);
    contract.checkNumber('affine', 't', t);
    return this.adopt(this.kernels.affine(this.context, ta, s, t));
  }
  addRowVector(a: Tensor, v: Tensor): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'addRowVector');
    const tv = this.tensorOf(v, 'v', 'addRowVector');
    const [, N] = rowsCols(ta.shape);
    contract.checkVector('addRowVector', 'v', tv, N);
    return this.adopt(this.kernels.addRowVector(this.context, ta, tv));
  }
  mulColumnVector(a: Tensor, v: Tensor): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'mulColumnVector');
    const tv = this.tensorOf(v, 'v', 'mulColumnVector');
    const [M] = rowsCols(ta.shape);
    contract.checkVector('mulColumnVector', 'v', tv, M);
    return this.adopt(this.kernels.mulColumnVector(this.context, ta, tv));
  }

  private unary(op: 'tanh' | 'sigmoid' | 'relu' | 'sqrt' | 'sumRows' | 'sum' | 'sumSquares' | 'softmax', a: Tensor): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', op);
    return this.adopt(this.kernels[op](this.context, ta));
  }
  tanh(a: Tensor): T {
    return this.unary('tanh', a);
  }
  sigmoid(a: Tensor): T {
    return this.unary('sigmoid', a);
  }
  relu(a: Tensor): T {
    return this.unary('relu', a);
  }
  sqrt(a: Tensor): T {
    return this.unary('sqrt', a);
  }
  clip(a: Tensor, lo: number, hi: number): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'clip');
    contract.checkClip(lo, hi);
    return this.adopt(this.kernels.clip(this.context, ta, lo, hi));
  }

  private activationBackward(op: 'tanhBackward' | 'sigmoidBackward' | 'reluBackward', y: Tensor, dy: Tensor): T {
    this.enter();
    const ty = this.tensorOf(y, 'y', op);
    const tdy = this.tensorOf(dy, 'dy', op);
    contract.checkSameView(op, ty, tdy, 'y', 'dy');
    return this.adopt(this.kernels[op](this.context, ty, tdy));
  }
  tanhBackward(y: Tensor, dy: Tensor): T {
    return this.activationBackward('tanhBackward', y, dy);
  }
  sigmoidBackward(y: Tensor, dy: Tensor): T {
    return this.activationBackward('sigmoidBackward', y, dy);
  }
  reluBackward(y: Tensor, dy: Tensor): T {
    return this.activationBackward('reluBackward', y, dy);
  }

  sumRows(a: Tensor): T {
    return this.unary('sumRows', a);
  }
  sum(a: Tensor): T {
    return this.unary('sum', a);
  }
  sumSquares(a: Tensor): T {
    return this.unary('sumSquares', a);
  }
  softmax(a: Tensor): T {
    return this.unary('softmax', a);
  }

  sliceColumns(a: Tensor, start: number, width: number): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'sliceColumns');
    const [, N] = rowsCols(ta.shape);
    contract.checkIndex('sliceColumns', 'start', start, N);
    contract.checkIndex('sliceColumns', 'width', width, N - start);
    return this.adopt(this.kernels.sliceColumns(this.context, ta, start, width));
  }
  sliceRows(a: Tensor, start: number, count: number): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'sliceRows');
    const [M] = rowsCols(ta.shape);
    contract.checkIndex('sliceRows', 'start', start, M);
    contract.checkIndex('sliceRows', 'count', count, M - start);
    return this.adopt(this.kernels.sliceRows(this.context, ta, start, count));
  }
  private concat(op: 'concatColumns' | 'concatRows', parts: readonly Tensor[]): T {
    this.enter();
    const ps = contract.checkParts(op, parts).map((p, i) => this.tensorOf(p as Tensor, `parts[${i}]`, op));
    contract.checkConcat(op, ps);
    let total = 0;
    for (const p of ps) total += sizeOf(p.shape);
    this.room(op, 'parts', total, () => `${ps.length} parts`);
    return this.adopt(this.kernels[op](this.context, ps));
  }
  concatColumns(parts: readonly Tensor[]): T {
    return this.concat('concatColumns', parts);
  }
  concatRows(parts: readonly Tensor[]): T {
    return this.concat('concatRows', parts);
  }
  gatherRows(a: Tensor, indices: Int32Array): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'gatherRows');
    const [M] = rowsCols(ta.shape);
    contract.checkRowIndices('gatherRows', 'indices', indices, M);
    const [, N] = rowsCols(ta.shape);
    this.room('gatherRows', 'indices', indices.length * N, () => `[${indices.length}, ${N}]`);
    return this.adopt(this.kernels.gatherRows(this.context, ta, indices));
  }
  scatterAddRows(a: Tensor, indices: Int32Array, numRows: number): T {
    this.enter();
    const ta = this.tensorOf(a, 'a', 'scatterAddRows');
    const [K] = rowsCols(ta.shape);
    contract.checkIndex('scatterAddRows', 'numRows', numRows, Number.MAX_SAFE_INTEGER);
    contract.checkRowIndices('scatterAddRows', 'indices', indices, numRows);
    if (indices.length !== K) contract.shapeError('scatterAddRows', 'a', `[${indices.length}, N] (one row per index)`, ta.shape);
    const [, N] = rowsCols(ta.shape);
    this.room('scatterAddRows', 'numRows', numRows * N, () => `[${numRows}, ${N}]`);
    return this.adopt(this.kernels.scatterAddRows(this.context, ta, indices, numRows));
  }
  softmaxCrossEntropy(
    logits: Tensor,
    targets: Int32Array,
    ignoreIndex: number,
  ): {
    /** Per-row losses [N]; 0 on rows whose target is `ignoreIndex`. */
    loss: T;
    /** softmax − one-hot, [N, C]; 0 on ignored rows. */
    grad: T;
  } {
    this.enter();
    const tl = this.tensorOf(logits, 'logits', 'softmaxCrossEntropy');
    contract.checkSoftmaxCrossEntropy(tl, targets, ignoreIndex);
    const r = this.kernels.softmaxCrossEntropy(this.context, tl, targets, ignoreIndex);
    return { loss: this.adopt(r.loss), grad: this.adopt(r.grad) };
  }

  // ---- fused ops: the backend's kernel, or core's composite one ---------------------------

  /** The forward arguments with every tensor checked as this backend's. */
  private forwardTensors(op: string, a: RecurrentForwardArgs, prefix: string): RecurrentForwardArgs<T> {
    if (a === null || typeof a !== 'object') contract.invalidArgument(op, prefix ? prefix.slice(0, -1) : 'args', 'an object of recurrent arguments', a);
    const t = (x: Tensor, name: string) => this.tensorOf(x, prefix + name, op);
    const o = (x: Tensor | undefined, name: string) => this.optionalTensor(x, prefix + name, op);
    // An explicit object, not `{ ...a, … }`: a spread copy of the caller's args cost ~2 µs and
    // left an object every later read (the checks, the kernel) was slow on.
    return {
      cell: a.cell,
      gruResetAfter: a.gruResetAfter,
      x: t(a.x, 'x'),
      batchFirst: a.batchFirst,
      weightIh: t(a.weightIh, 'weightIh'),
      weightHh: t(a.weightHh, 'weightHh'),
      biasIh: o(a.biasIh, 'biasIh'),
      biasHh: o(a.biasHh, 'biasHh'),
      h0: t(a.h0, 'h0'),
      c0: o(a.c0, 'c0'),
      lengths: a.lengths,
      training: a.training,
    };
  }

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult<T> {
    this.enter();
    const a = this.forwardTensors('recurrentForward', args, '');
    const dims = contract.checkRecurrentForward('recurrentForward', a);
    this.room('recurrentForward', 'x', dims.T * dims.B * dims.H, () => `y [${dims.T}, ${dims.B}, ${dims.H}]`);
    const kernel = this.kernels.recurrentForward;
    if (kernel && this.kernels.recurrentBackward && (!dims.batchFirst || this.recurrentBatchFirst)) {
      const r = kernel(this.context, a);
      return {
        y: this.adopt(r.y),
        hN: this.adopt(r.hN),
        ...(r.cN ? { cN: this.adopt(r.cN) } : {}),
        ...(r.saved ? { saved: new NativeSaved(r.saved, dims, this) } : {}),
      };
    }
    if (dims.batchFirst) {
      throw new RnnkitError(
        'UNSUPPORTED',
        `recurrentForward: batchFirst: the ${this.name} backend's recurrent kernels are time-major only (recurrentBatchFirst is false)`,
        {
          argument: 'batchFirst',
        },
      );
    }
    return compositeRecurrentForward(this, a) as RecurrentForwardResult<T>;
  }

  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult<T> {
    this.enter();
    const op = 'recurrentBackward';
    if (args === null || typeof args !== 'object') contract.invalidArgument(op, 'args', 'an object of backward arguments', args);
    const forward = this.forwardTensors(op, args.forward, 'forward.');
    const a: RecurrentBackwardArgs<T> = {
      forward,
      saved: args.saved,
      inputGrad: args.inputGrad,
      dy: this.optionalTensor(args.dy, 'dy', op),
      dhN: this.optionalTensor(args.dhN, 'dhN', op),
      dcN: this.optionalTensor(args.dcN, 'dcN', op),
    };
    const saved = args.saved;
    if (saved instanceof NativeSaved && saved.owner === this) {
      if (saved.disposed) throw new RnnkitError('DISPOSED', `${op}: saved: it was disposed`, { argument: 'saved' });
      contract.checkRecurrentBackward(a, saved.dims);
      const r = this.kernels.recurrentBackward!(this.context, {
        forward: a.forward,
        saved: saved.inner,
        inputGrad: a.inputGrad,
        dy: a.dy,
        dhN: a.dhN,
        dcN: a.dcN,
      });
      const out: RecurrentBackwardResult<T> = {
        dh0: this.adopt(r.dh0),
        dWeightIh: this.adopt(r.dWeightIh),
        dWeightHh: this.adopt(r.dWeightHh),
      };
      if (r.dx) out.dx = this.adopt(r.dx);
      if (r.dc0) out.dc0 = this.adopt(r.dc0);
      if (r.dBiasIh) out.dBiasIh = this.adopt(r.dBiasIh);
      if (r.dBiasHh) out.dBiasHh = this.adopt(r.dBiasHh);
      return out;
    }
    if (saved instanceof CompositeSaved) {
      contract.checkRecurrentBackward(a, undefined);
      return compositeRecurrentBackward(this, a) as RecurrentBackwardResult<T>;
    }
    return contract.invalidArgument(op, 'saved', `the value returned by this ${this.name} backend's recurrentForward`, saved);
  }

  squaredErrorGrad(
    output: Tensor,
    target: Tensor,
    gradScale: number,
  ): {
    /** Σ (output − target)², [1]. */
    sumSquares: T;
    /** gradScale · (output − target), output's shape. */
    grad: T;
  } {
    this.enter();
    const op = 'squaredErrorGrad';
    const to = this.tensorOf(output, 'output', op);
    const tt = this.tensorOf(target, 'target', op);
    contract.checkSameView(op, to, tt, 'output', 'target');
    contract.checkFinite(op, 'gradScale', gradScale);
    const kernel = this.kernels.squaredErrorGrad;
    if (!kernel) return compositeSquaredErrorGrad(this, to, tt, gradScale) as { sumSquares: T; grad: T };
    const r = kernel(this.context, to, tt, gradScale);
    return { sumSquares: this.adopt(r.sumSquares), grad: this.adopt(r.grad) };
  }

  sgdUpdate(args: SgdUpdateArgs): SgdUpdateResult<T> {
    this.enter();
    const op = 'sgdUpdate';
    if (args === null || typeof args !== 'object') contract.invalidArgument(op, 'args', 'an object of SGD arguments', args);
    const a: SgdUpdateArgs<T> = {
      param: this.tensorOf(args.param, 'param', op),
      grad: this.tensorOf(args.grad, 'grad', op),
      velocity: this.optionalTensor(args.velocity, 'velocity', op),
      lr: args.lr,
      momentum: args.momentum,
      dampening: args.dampening,
      nesterov: args.nesterov,
      weightDecay: args.weightDecay,
    };
    contract.checkSgdUpdate(a);
    const kernel = this.kernels.sgdUpdate;
    if (!kernel) return compositeSgdUpdate(this, a) as SgdUpdateResult<T>;
    const r = kernel(this.context, a);
    return { param: this.adopt(r.param), ...(r.velocity ? { velocity: this.adopt(r.velocity) } : {}) };
  }

  adamUpdate(args: AdamUpdateArgs): AdamUpdateResult<T> {
    this.enter();
    const op = 'adamUpdate';
    if (args === null || typeof args !== 'object') contract.invalidArgument(op, 'args', 'an object of Adam arguments', args);
    const a: AdamUpdateArgs<T> = {
      param: this.tensorOf(args.param, 'param', op),
      grad: this.tensorOf(args.grad, 'grad', op),
      m: this.tensorOf(args.m, 'm', op),
      v: this.tensorOf(args.v, 'v', op),
      step: args.step,
      lr: args.lr,
      beta1: args.beta1,
      beta2: args.beta2,
      eps: args.eps,
      weightDecay: args.weightDecay,
      decoupled: args.decoupled,
    };
    contract.checkAdamUpdate(a);
    const kernel = this.kernels.adamUpdate;
    if (!kernel) return compositeAdamUpdate(this, a) as AdamUpdateResult<T>;
    const r = kernel(this.context, a);
    return { param: this.adopt(r.param), m: this.adopt(r.m), v: this.adopt(r.v) };
  }

  // ---- int8 ops: the backend's kernels, or core's form and composite ones -----------------

  /** `q` as a live int8 handle of this very instance (the table's `Q`, or core's composite form). */
  private quantizedOf(q: QuantizedTensor, argument: string, op: string): Q | CompositeQuantized {
    if (q !== null && typeof q === 'object' && (q as Marked)[QUANTIZED_OWNER] === this && !this.destroyed) return q as Q | CompositeQuantized;
    if (q !== null && typeof q === 'object' && (q as Marked)[OWNER] === this && !this.destroyed) {
      contract.invalidArgument(op, argument, 'an int8 weight from uploadQuantized', `a float32 tensor ${formatShape((q as Tensor).shape)}`);
    }
    return this.tensorOf(q as unknown as Tensor, argument, op) as never; // throws the ownership error
  }

  uploadQuantized(q: QuantizedMatrix): Q | CompositeQuantized {
    this.enter();
    const [N, K] = contract.checkQuantizedMatrix('uploadQuantized', q);
    this.room('uploadQuantized', 'q', Math.ceil((N * K) / 4) + N, () => `int8 [${N}, ${K}]`);
    const h = this.nativeQuantized ? this.kernels.uploadQuantized!(this.context, q) : new CompositeQuantized(this.name, q);
    if ((h as Marked)[QUANTIZED_OWNER] === this) {
      throw new RnnkitError('BACKEND_FAILURE', `${this.name} backend: uploadQuantized returned a handle it had made before`, { argument: 'result' });
    }
    (h as Marked)[QUANTIZED_OWNER] = this;
    this.live++;
    return h;
  }

  disposeQuantized(q: QuantizedTensor): void {
    const h = this.quantizedOf(q, 'q', 'disposeQuantized');
    (h as Marked)[QUANTIZED_OWNER] = undefined;
    (h as Marked)[DISPOSED_BY] = this;
    this.live--;
    if (h instanceof CompositeQuantized) h.release(this);
    else this.kernels.disposeQuantized!(this.context, h);
  }

  quantizedMatmul(args: QuantizedMatmulArgs): T {
    this.enter();
    const op = 'quantizedMatmul';
    if (args === null || typeof args !== 'object') contract.invalidArgument(op, 'args', 'an object { x, weight, bias? }', args);
    const x = this.tensorOf(args.x, 'x', op);
    const weight = this.quantizedOf(args.weight, 'weight', op);
    const bias = this.optionalTensor(args.bias, 'bias', op);
    const [M, N] = contract.checkQuantizedMatmul(x, weight, bias);
    this.room(op, 'weight', M * N, () => `[${M}, ${N}]`);
    if (weight instanceof CompositeQuantized) {
      const readSync = this.memory.readSync;
      return compositeQuantizedMatmul(this, { x, weight, bias }, readSync ? (t) => readSync(this.context, t as T) : undefined) as T;
    }
    return this.adopt(this.kernels.quantizedMatmul!(this.context, { x, weight, bias }));
  }

  quantizedRecurrentForward(args: QuantizedRecurrentForwardArgs): RecurrentForwardResult<T> {
    this.enter();
    const op = 'quantizedRecurrentForward';
    if (args === null || typeof args !== 'object') contract.invalidArgument(op, 'args', 'an object of recurrent arguments', args);
    const a = {
      cell: args.cell,
      gruResetAfter: args.gruResetAfter,
      x: this.tensorOf(args.x, 'x', op),
      batchFirst: args.batchFirst,
      weightIh: this.quantizedOf(args.weightIh, 'weightIh', op),
      weightHh: this.quantizedOf(args.weightHh, 'weightHh', op),
      biasIh: this.optionalTensor(args.biasIh, 'biasIh', op),
      biasHh: this.optionalTensor(args.biasHh, 'biasHh', op),
      h0: this.tensorOf(args.h0, 'h0', op),
      c0: this.optionalTensor(args.c0, 'c0', op),
      lengths: args.lengths,
    };
    // The float op's shape checks apply unchanged (they read shapes only).
    const dims = contract.checkRecurrentForward(op, { ...a, training: false } as unknown as RecurrentForwardArgs);
    this.room(op, 'x', dims.T * dims.B * dims.H, () => `y [${dims.T}, ${dims.B}, ${dims.H}]`);
    const kernel = this.kernels.quantizedRecurrentForward;
    if (kernel && this.nativeQuantized && (!dims.batchFirst || this.recurrentBatchFirst)) {
      const r = kernel(this.context, a as QuantizedRecurrentForwardArgs<T, Q>);
      return { y: this.adopt(r.y), hN: this.adopt(r.hN), ...(r.cN ? { cN: this.adopt(r.cN) } : {}) };
    }
    if (dims.batchFirst) {
      throw new RnnkitError('UNSUPPORTED', `${op}: batchFirst: the ${this.name} backend's int8 recurrent kernel is time-major only`, {
        argument: 'batchFirst',
      });
    }
    return compositeQuantizedRecurrentForward(this, a) as RecurrentForwardResult<T>;
  }
}

/**
 * Builds a `Backend` from its parts: memory functions and a kernel table (see `kernel_table.ts`).
 * The result validates every call once, here, for every backend, and runs core's composite
 * kernels for the fused ops the table leaves out.
 */
export function defineBackend<T extends Tensor, C, I extends object = object, Q extends QuantizedTensor = QuantizedTensor>(
  parts: BackendDefinitionParts<T, C, I, Q>,
): KernelBackend<T, C, I, Q> {
  return new KernelBackend(parts);
}
