import type { Shape, Tensor } from '../tensor.js';
import type {
  AdamUpdateArgs,
  AdamUpdateResult,
  BackendInfo,
  QuantizedMatmulArgs,
  QuantizedMatrix,
  QuantizedRecurrentForwardArgs,
  QuantizedTensor,
  RecurrentBackwardArgs,
  RecurrentBackwardResult,
  RecurrentForwardArgs,
  RecurrentForwardResult,
  SgdUpdateArgs,
  SgdUpdateResult,
} from './backend.js';

/**
 * What a backend author writes: memory functions and a table of kernels, each a plain function
 * of the backend's context `C` and its own tensor type `T`. `defineBackend` turns them into a
 * `Backend`. By the time a kernel runs, core has checked every argument against the op's
 * contract (`contracts.ts`): tensors are live tensors of this backend instance, shapes agree,
 * indices are in range and numbers are finite, so a kernel holds only its math. Each kernel
 * returns new tensors (never an input); core counts them for `liveTensors()`.
 */

/** Options of the `matmul` kernel: alpha · op(a) · op(b) + beta · c. */
export interface MatmulOptions<T extends Tensor = Tensor> {
  /** Use aᵀ: a is [K, M]. @defaultValue false */
  transposeA?: boolean;
  /** Use bᵀ: b is [N, K]. @defaultValue false */
  transposeB?: boolean;
  /** Defaults to 1. */
  alpha?: number;
  /** Added as beta · c; [M, N]. */
  c?: T;
  /** Defaults to 1 when c is given. */
  beta?: number;
}

/** Memory: how tensors are made, read and released. Shapes arrive checked and frozen. */
export interface MemoryKernels<T extends Tensor, C> {
  /** A tensor holding a copy of data (the caller may reuse its array); data.length = size of shape. */
  upload(ctx: C, data: Float32Array, shape: Shape): T;
  /** A new tensor of `shape` filled with 0. */
  zeros(ctx: C, shape: Shape): T;
  /** A new tensor of `shape` with every element `value` (any number, NaN and ±Infinity included). */
  fill(ctx: C, shape: Shape, value: number): T;
  /** A fresh copy of x's elements, row-major (x is live and of this backend). */
  read(ctx: C, x: T): Promise<Float32Array>;
  /** Releases x's storage (x is live and of this backend; core forgets it afterwards). */
  dispose(ctx: C, x: T): void;
  /** Same data, another shape of the same size: a view where the backend can. */
  reshape(ctx: C, x: T, shape: Shape): T;
  /**
   * Optional: x's data now, for a backend whose memory the host can read synchronously (a
   * Float32Array, tfjs's dataSync). Core's composite int8 kernels use it to run the exact integer
   * scheme on the host; a backend without it runs them on dequantized float32 weights.
   */
  readSync?(ctx: C, x: T): Float32Array;
}

/** The primitives, as in `PrimitiveOps`, with the context first. */
export interface PrimitiveKernels<T extends Tensor, C> {
  /** alpha · op(a) · op(b) + beta · c, a and b rank 2; opts arrive with shapes checked. Result [M, N]. */
  matmul(ctx: C, a: T, b: T, opts: MatmulOptions<T>): T;
  /** a + b, elementwise; a and b view as the same [rows, cols]. Result has a's shape. */
  add(ctx: C, a: T, b: T): T;
  /** a − b, elementwise, as `add`. */
  sub(ctx: C, a: T, b: T): T;
  /** a · b, elementwise, as `add`. */
  mul(ctx: C, a: T, b: T): T;
  /** a / b, elementwise, IEEE division, as `add`. */
  div(ctx: C, a: T, b: T): T;
  /** a · s + t, elementwise; s and t finite. */
  affine(ctx: C, a: T, s: number, t: number): T;
  /** a [M, N] + v [N] on every row. */
  addRowVector(ctx: C, a: T, v: T): T;
  /** a [M, N] with row m scaled by v[m], v [M]. */
  mulColumnVector(ctx: C, a: T, v: T): T;
  /** tanh(a), elementwise. */
  tanh(ctx: C, a: T): T;
  /** 1 / (1 + e^(−a)), elementwise. */
  sigmoid(ctx: C, a: T): T;
  /** max(a, 0), elementwise. */
  relu(ctx: C, a: T): T;
  /** √a, elementwise (NaN for a < 0). */
  sqrt(ctx: C, a: T): T;
  /** a clamped into [lo, hi] (lo ≤ hi, checked). */
  clip(ctx: C, a: T, lo: number, hi: number): T;
  /** dy · (1 − y²), from the tanh output y. */
  tanhBackward(ctx: C, y: T, dy: T): T;
  /** dy · y · (1 − y), from the sigmoid output y. */
  sigmoidBackward(ctx: C, y: T, dy: T): T;
  /** dy where y > 0, else 0, from the relu output y. */
  reluBackward(ctx: C, y: T, dy: T): T;
  /** Column sums of a [M, N]: [N]. */
  sumRows(ctx: C, a: T): T;
  /** Sum of all elements: [1]. */
  sum(ctx: C, a: T): T;
  /** Sum of squares of all elements: [1]. */
  sumSquares(ctx: C, a: T): T;
  /** Columns [start, start + width) of a [M, N]: [M, width] (range checked). */
  sliceColumns(ctx: C, a: T, start: number, width: number): T;
  /** Joins [M, N_i] tensors side by side: [M, Σ N_i] (at least one part, rows checked). */
  concatColumns(ctx: C, parts: readonly T[]): T;
  /** Rows [start, start + count) of a [M, N]: [count, N] (range checked). */
  sliceRows(ctx: C, a: T, start: number, count: number): T;
  /** Stacks [M_i, N] tensors: [Σ M_i, N] (at least one part, columns checked). */
  concatRows(ctx: C, parts: readonly T[]): T;
  /** out[i] = a[indices[i]]: [indices.length, N]; every index in [0, M). */
  gatherRows(ctx: C, a: T, indices: Int32Array): T;
  /** out[indices[i]] += a[i] into zeros [numRows, N]; every index in [0, numRows). */
  scatterAddRows(ctx: C, a: T, indices: Int32Array, numRows: number): T;
  /** Row-wise softmax cross-entropy of logits [N, C] (see `PrimitiveOps.softmaxCrossEntropy`); targets checked. */
  softmaxCrossEntropy(
    ctx: C,
    logits: T,
    targets: Int32Array,
    ignoreIndex: number,
  ): {
    /** Per-row losses [N]; 0 on rows whose target is `ignoreIndex`. */
    loss: T;
    /** softmax − one-hot, [N, C]; 0 on ignored rows. */
    grad: T;
  };
  /** Row-wise softmax of [N, C]. */
  softmax(ctx: C, a: T): T;
}

/**
 * Optional fused kernels: a table that lacks one gets core's composite version. The recurrent
 * backward receives only `saved` values that this backend's own recurrentForward returned.
 */
export interface FusedKernels<T extends Tensor, C> {
  /** One layer-direction over the whole sequence (see `RecurrentForwardArgs`); `saved` only when `args.training`. */
  recurrentForward(ctx: C, args: RecurrentForwardArgs<T>): RecurrentForwardResult<T>;
  /** Backpropagation through time for this backend's own forward (see `RecurrentBackwardArgs`). */
  recurrentBackward(ctx: C, args: RecurrentBackwardArgs<T>): RecurrentBackwardResult<T>;
  /** The MSE pass in one (see `FusedOps.squaredErrorGrad`); output and target view as the same [rows, cols]. */
  squaredErrorGrad(
    ctx: C,
    output: T,
    target: T,
    gradScale: number,
  ): {
    /** Σ (output − target)², [1], accumulated in double. */
    sumSquares: T;
    /** gradScale · (output − target), output's shape. */
    grad: T;
  };
  /** One SGD step (see `SgdUpdateArgs`): new tensors; inputs are not modified. */
  sgdUpdate(ctx: C, args: SgdUpdateArgs<T>): SgdUpdateResult<T>;
  /** One Adam/AdamW step (see `AdamUpdateArgs`): new tensors; inputs are not modified. */
  adamUpdate(ctx: C, args: AdamUpdateArgs<T>): AdamUpdateResult<T>;
}

/**
 * Optional int8 kernels (see `QuantizedOps` in backend.ts and the scheme in
 * `composite/int8_impl.ts`). `uploadQuantized` and `disposeQuantized` come together; the
 * quantized ops then receive only handles this backend's `uploadQuantized` made (`Q`). A table
 * with `quantizedMatmul` or `quantizedRecurrentForward` must have `uploadQuantized`. A table with
 * `uploadQuantized` but without `quantizedMatmul` is refused: core's composite can't read a
 * backend's own int8 form. Without `quantizedRecurrentForward`, core's composite runs the
 * recurrence on this backend's `quantizedMatmul`.
 */
export interface QuantizedKernels<T extends Tensor, C, Q extends QuantizedTensor = QuantizedTensor> {
  /** q is checked: data.length = N·K, values in [−127, 127], N finite scales ≥ 0. Copy what you keep. */
  uploadQuantized(ctx: C, q: QuantizedMatrix): Q;
  /** Releases q's storage (q is live and this backend's own; core forgets it afterwards). */
  disposeQuantized(ctx: C, q: Q): void;
  /** Bit-for-bit `quantizedMatmulHost` (int8_impl.ts): result [M, N]. */
  quantizedMatmul(ctx: C, args: QuantizedMatmulArgs<T, Q>): T;
  /** Inference only; the recurrence of `QuantizedRecurrentForwardArgs`. No `saved`. */
  quantizedRecurrentForward(ctx: C, args: QuantizedRecurrentForwardArgs<T, Q>): RecurrentForwardResult<T>;
}

/**
 * A backend's kernels: every primitive, plus whichever fused and int8 kernels it has (core
 * supplies composite versions of the rest). `T`: the backend's tensor type; `C`: its context;
 * `Q`: its int8 weight handle.
 */
export type KernelTable<T extends Tensor, C, Q extends QuantizedTensor = QuantizedTensor> = PrimitiveKernels<T, C> &
  Partial<FusedKernels<T, C>> &
  Partial<QuantizedKernels<T, C, Q>>;

/** Every primitive kernel name: the test kit checks a table against it. */
export const PRIMITIVE_KERNELS = [
  'matmul',
  'add',
  'sub',
  'mul',
  'div',
  'affine',
  'addRowVector',
  'mulColumnVector',
  'tanh',
  'sigmoid',
  'relu',
  'sqrt',
  'clip',
  'tanhBackward',
  'sigmoidBackward',
  'reluBackward',
  'sumRows',
  'sum',
  'sumSquares',
  'sliceColumns',
  'concatColumns',
  'sliceRows',
  'concatRows',
  'gatherRows',
  'scatterAddRows',
  'softmaxCrossEntropy',
  'softmax',
] as const satisfies readonly (keyof PrimitiveKernels<Tensor, unknown>)[];

/** Every memory function a backend must supply (`readSync` is optional and not listed). */
export const MEMORY_KERNELS = ['upload', 'zeros', 'fill', 'read', 'dispose', 'reshape'] as const satisfies readonly (keyof MemoryKernels<Tensor, unknown>)[];

/** The int8 kernel names a table may hold (all optional). */
export const QUANTIZED_KERNELS = [
  'uploadQuantized',
  'disposeQuantized',
  'quantizedMatmul',
  'quantizedRecurrentForward',
] as const satisfies readonly (keyof QuantizedKernels<Tensor, unknown>)[];

/** Everything `defineBackend` needs. `I` is the backend's own info (beyond name and fusedOps). */
export interface BackendDefinitionParts<T extends Tensor, C, I extends object = object, Q extends QuantizedTensor = QuantizedTensor> {
  /** Registered name (`cpu`, `webgpu`, `tfjs`); also every tensor's `backend` field. */
  name: string;
  /** Whatever the kernels share: loaded wasm, a GPU device, a tfjs namespace. */
  context: C;
  /** How tensors are made, read, reshaped and released. */
  memory: MemoryKernels<T, C>;
  /** Every primitive kernel and any fused or int8 kernels the backend has. */
  kernels: KernelTable<T, C, Q>;
  /** The fused recurrent kernels also take batch-first tensors (see `RecurrentForwardArgs.batchFirst`). */
  recurrentBatchFirst?: boolean;
  /** What runs (`engine`) and anything else the backend reports. */
  info(ctx: C): Omit<BackendInfo, 'name' | 'fusedOps' | 'quantized'> & I;
  /** Waits for queued work; default: nothing to wait for. */
  sync?(ctx: C): Promise<void>;
  /**
   * Runs before every op: throws when the backend can no longer run work (a lost device), and may
   * prepare the context (tfjs makes its engine the active one here).
   */
  check?(ctx: C): void;
  /** Releases what the context holds. Live tensors are forgotten by core, not disposed one by one. */
  destroy?(ctx: C): void;
  /**
   * What the engine can hold, checked by core before every call that makes a tensor (upload,
   * zeros, fill, matmul, concat, gather/scatter, the recurrent forward's output): a larger
   * request is refused with LIMIT_EXCEEDED naming the op, and nothing is allocated.
   */
  limits?: BackendLimits;
}

/** A backend's own capacity (see `BackendDefinitionParts.limits`). */
export interface BackendLimits {
  /**
   * Bytes of one tensor (float32: 4 per element). Default `DEFAULT_MAX_TENSOR_BYTES` (2^34, the
   * largest Float32Array V8 makes); a wasm engine or a GPU binding sets its own.
   */
  maxTensorBytes?: number;
}

/** The default `BackendLimits.maxTensorBytes`: 2^34 bytes, 2^32 float32 elements (V8's largest typed array). */
export const DEFAULT_MAX_TENSOR_BYTES = 2 ** 34;
