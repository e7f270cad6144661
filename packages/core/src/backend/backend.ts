import type { CellKind } from '../cells.js';
import type { Shape, Tensor } from '../tensor.js';

/**
 * Interface version literal: backends and tools check they speak the same interface. `v2`: a
 * backend is built by `defineBackend` from memory functions and a kernel table; every op,
 * fused ones included, is present on the `Backend` it returns (composite where the table has
 * none), and arguments are validated there, once, for every backend.
 */
export const BACKEND_SPEC_VERSION = 'v2' as const;

/**
 * Memory: tensors live on the backend. `read` is async because WebGPU maps buffers
 * asynchronously. Every tensor a call returns is new and must be disposed by the caller.
 */
export interface MemoryOps {
  /**
   * A new tensor of `shape` holding a copy of `data` (the caller may reuse the array).
   * Throws SHAPE_MISMATCH unless `data.length` is the shape's size, LIMIT_EXCEEDED past the backend's limits.
   */
  upload(data: Float32Array, shape: Shape): Tensor;
  /** A new tensor of `shape` filled with 0. */
  zeros(shape: Shape): Tensor;
  /** A new tensor of `shape` with every element `value`. */
  fill(shape: Shape, value: number): Tensor;
  /** A copy of x's elements, row-major; x stays live. */
  read(x: Tensor): Promise<Float32Array>;
  /** Releases x; any later use of it throws DISPOSED. */
  dispose(x: Tensor): void;
  /** Same data, another shape of the same size (a view where the backend can). Dispose it too. */
  reshape(x: Tensor, shape: Shape): Tensor;
  /** Tensors handed out and not yet disposed: the leak tests watch this. */
  liveTensors(): number;
}

/**
 * Primitives. Unless stated, a tensor of rank r > 2 is viewed as 2-D [rows, cols] with every
 * leading axis folded into rows, and row/column ops return 2-D results; elementwise ops of two
 * same-shaped tensors (and unary ops) return the input's shape. Inputs are never modified.
 */
export interface PrimitiveOps {
  /**
   * GEMM: alpha · op(a) · op(b) + beta · c, op = transpose when asked. a, b, c rank 2;
   * alpha defaults to 1, and beta to 1 when c is given.
   * With transposeA a is [K, M]; with transposeB b is [N, K]. Result [M, N].
   */
  matmul(a: Tensor, b: Tensor, opts?: { transposeA?: boolean; transposeB?: boolean; alpha?: number; c?: Tensor; beta?: number }): Tensor;

  /** a + b, elementwise; both view as the same [rows, cols] (SHAPE_MISMATCH otherwise). Result has a's shape. */
  add(a: Tensor, b: Tensor): Tensor;
  /** a − b, elementwise; shapes as for `add`. */
  sub(a: Tensor, b: Tensor): Tensor;
  /** a · b, elementwise (Hadamard); shapes as for `add`. */
  mul(a: Tensor, b: Tensor): Tensor;
  /** a / b, elementwise, IEEE division (x / 0 is ±Infinity or NaN); shapes as for `add`. */
  div(a: Tensor, b: Tensor): Tensor;
  /** a · s + t, elementwise. */
  affine(a: Tensor, s: number, t: number): Tensor;
  /** a [M, N] + v [N] on every row. */
  addRowVector(a: Tensor, v: Tensor): Tensor;
  /** a [M, N] with row m scaled by v[m] (v is [M]): masks per batch row. */
  mulColumnVector(a: Tensor, v: Tensor): Tensor;

  /** tanh(a), elementwise. */
  tanh(a: Tensor): Tensor;
  /** 1 / (1 + e^(−a)), elementwise. */
  sigmoid(a: Tensor): Tensor;
  /** max(a, 0), elementwise. */
  relu(a: Tensor): Tensor;
  /** √a, elementwise (NaN for a < 0). */
  sqrt(a: Tensor): Tensor;
  /** Clamps into [lo, hi]. */
  clip(a: Tensor, lo: number, hi: number): Tensor;
  /** dy · (1 − y²), from the tanh output y. */
  tanhBackward(y: Tensor, dy: Tensor): Tensor;
  /** dy · y · (1 − y), from the sigmoid output y. */
  sigmoidBackward(y: Tensor, dy: Tensor): Tensor;
  /** dy where y > 0, else 0, from the relu output y. */
  reluBackward(y: Tensor, dy: Tensor): Tensor;

  /** Column sums of a [M, N]: [N]. Bias gradients. */
  sumRows(a: Tensor): Tensor;
  /** Sum of all elements: [1]. */
  sum(a: Tensor): Tensor;
  /** Sum of squares of all elements: [1]. Gradient norms. */
  sumSquares(a: Tensor): Tensor;

  /** Columns [start, start + width) of a [M, N]. */
  sliceColumns(a: Tensor, start: number, width: number): Tensor;
  /** Joins [M, N_i] tensors side by side: [M, Σ N_i]. */
  concatColumns(parts: readonly Tensor[]): Tensor;
  /** Rows [start, start + count) of a [M, N]. */
  sliceRows(a: Tensor, start: number, count: number): Tensor;
  /** Stacks [M_i, N] tensors: [Σ M_i, N]. */
  concatRows(parts: readonly Tensor[]): Tensor;
  /** out[i] = a[indices[i]]: [indices.length, N]. Embeddings, time reversal, layout changes. */
  gatherRows(a: Tensor, indices: Int32Array): Tensor;
  /** out[indices[i]] += a[i] into zeros [numRows, N]: the adjoint of gatherRows. */
  scatterAddRows(a: Tensor, indices: Int32Array, numRows: number): Tensor;

  /**
   * Row-wise softmax cross-entropy of logits [N, C] against class ids (N). Rows whose target
   * equals `ignoreIndex` give loss 0 and gradient 0. Returns per-row losses [N] and
   * d(loss_i)/d(logits_i) = softmax − one-hot, [N, C].
   */
  softmaxCrossEntropy(
    logits: Tensor,
    targets: Int32Array,
    ignoreIndex: number,
  ): {
    /** Per-row losses −log softmax(logits)[target], [N] (0 on ignored rows). */
    loss: Tensor;
    /** softmax(logits) − one-hot(target), [N, C] (0 on ignored rows). */
    grad: Tensor;
  };
  /** Row-wise softmax of [N, C]. */
  softmax(a: Tensor): Tensor;
}

/** One layer-direction's weights as the fused kernels take them (PyTorch layouts and gate orders). */
export interface RecurrentWeights<T extends Tensor = Tensor> {
  /** Input-to-hidden weights [G·H, D], gates stacked in PyTorch's order (G = 1 rnn, 4 lstm i f g o, 3 gru r z n). */
  weightIh: T;
  /** Hidden-to-hidden weights [G·H, H], gates stacked as in `weightIh`. */
  weightHh: T;
  /** Input-side bias [G·H]; absent means none (zeros). */
  biasIh?: T;
  /** Hidden-side bias [G·H]; absent means none (zeros). */
  biasHh?: T;
}

/**
 * A whole layer-direction over the whole sequence, forward in time. Core turns the reverse
 * direction into a forward one by reversing each sequence within its own length, so kernels
 * never see `reverse`.
 */
export interface RecurrentForwardArgs<T extends Tensor = Tensor> extends RecurrentWeights<T> {
  /** Which recurrence: `rnn_tanh`, `rnn_relu`, `lstm` or `gru` (UNKNOWN_CELL otherwise). */
  cell: CellKind;
  /** GRU only: PyTorch's form (reset applied to W_hn h + b_hn). */
  gruResetAfter: boolean;
  /** The input sequence [T, B, D], time-major; [B, T, D] with `batchFirst`. T ≥ 1, B ≥ 1. */
  x: T;
  /**
   * x is [B, T, D] and y comes back [B, T, H] (and in backward dy and dx likewise): the layout
   * change happens inside the kernel instead of as separate gathers. Only passed to a backend
   * whose `recurrentBatchFirst` is true.
   */
  batchFirst?: boolean;
  /** Initial hidden state [B, H]. */
  h0: T;
  /** Initial cell state [B, H], LSTM only (INVALID_ARGUMENT for other cells); zeros when absent. */
  c0?: T;
  /** Per-sequence lengths (B), 1..T. Step t ≥ lengths[b] keeps b's state and outputs zeros. */
  lengths?: Int32Array;
  /** Keep what backward needs in `saved`. */
  training: boolean;
}

/** Whatever a kernel keeps for backward; the caller disposes it once backward is done. */
export interface RecurrentSaved {
  /** Releases the tensors kept for backward. */
  dispose(): void;
}

/** What `recurrentForward` returns: new tensors the caller disposes. */
export interface RecurrentForwardResult<T extends Tensor = Tensor> {
  /** Hidden state at every step [T, B, H] ([B, T, H] with `args.batchFirst`); zeros past a row's length. */
  y: T;
  /** Final hidden state [B, H]: each row's state at its last valid step. */
  hN: T;
  /** Final cell state [B, H]; LSTM only. */
  cN?: T;
  /** What backward needs; present only when `args.training`. Pass it to `recurrentBackward`, then dispose it. */
  saved?: RecurrentSaved;
}

/** Backpropagation through time over one layer-direction; absent upstream gradients count as zeros. */
export interface RecurrentBackwardArgs<T extends Tensor = Tensor> {
  /** The same arguments the forward ran with (INVALID_ARGUMENT when `saved` came from other sizes). */
  forward: RecurrentForwardArgs<T>;
  /** The forward's `saved` (a training forward of this backend). Backward does not dispose it. */
  saved: RecurrentSaved;
  /** Gradient of the loss w.r.t. `y`, [T, B, H] ([B, T, H] when `forward.batchFirst`). */
  dy?: T;
  /** Gradient w.r.t. the final hidden state `hN`, [B, H]. */
  dhN?: T;
  /** Gradient w.r.t. the final cell state `cN`, [B, H]; LSTM only. */
  dcN?: T;
  /**
   * false: the caller has no use for dx (the layer's input is data, as in a training step), so
   * the backend may skip its GEMM and omit it from the result. Default true.
   */
  inputGrad?: boolean;
}

/** Gradients of one layer-direction, new tensors the caller disposes; weight gradients have the weights' shapes. */
export interface RecurrentBackwardResult<T extends Tensor = Tensor> {
  /** [T, B, D] ([B, T, D] when forward.batchFirst); may be absent when the args said `inputGrad: false` (core disposes one that isn't). */
  dx?: T;
  /** Gradient w.r.t. `h0`, [B, H]. */
  dh0: T;
  /** Gradient w.r.t. `c0`, [B, H]; LSTM only. */
  dc0?: T;
  /** Gradient w.r.t. `weightIh`, [G·H, D], summed over steps and batch. */
  dWeightIh: T;
  /** Gradient w.r.t. `weightHh`, [G·H, H], summed over steps and batch. */
  dWeightHh: T;
  /** Gradient w.r.t. `biasIh`, [G·H]; present when the forward had `biasIh`. */
  dBiasIh?: T;
  /** Gradient w.r.t. `biasHh`, [G·H]; present when the forward had `biasHh`. */
  dBiasHh?: T;
}

/**
 * One SGD step for one parameter, PyTorch's `torch.optim.SGD`:
 * g = grad + weightDecay·param; with momentum, buf = momentum·buf + (1 − dampening)·g (buf = g on
 * the first step, when `velocity` is absent), g = g + momentum·buf (Nesterov) or buf;
 * param' = param − lr·g. Every tensor has the parameter's shape; inputs are not modified.
 */
export interface SgdUpdateArgs<T extends Tensor = Tensor> {
  /** The parameter before the step. */
  param: T;
  /** Its gradient, param's shape (SHAPE_MISMATCH otherwise). */
  grad: T;
  /** Momentum buffer from the previous step; absent on the first step. */
  velocity?: T;
  /** Learning rate; finite (INVALID_ARGUMENT otherwise), as are the other numbers. */
  lr: number;
  /** Momentum factor; 0 for plain SGD (no buffer). */
  momentum: number;
  /** Dampening of the momentum buffer's gradient term (0 in PyTorch's default). */
  dampening: number;
  /** Nesterov momentum: step along g + momentum·buf instead of buf. */
  nesterov: boolean;
  /** L2 penalty added to the gradient as weightDecay·param; 0 for none. */
  weightDecay: number;
}

/** What `sgdUpdate` returns: new tensors; the inputs are left as they were for the caller to dispose. */
export interface SgdUpdateResult<T extends Tensor = Tensor> {
  /** The parameter after the step, its shape. */
  param: T;
  /** New momentum buffer (only when momentum > 0). */
  velocity?: T;
}

/**
 * One Adam/AdamW step for one parameter, PyTorch's `torch.optim.Adam` / `AdamW`:
 * Adam adds weightDecay·param to the gradient (L2); AdamW (`decoupled`) scales the parameter
 * by 1 − lr·weightDecay instead. m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
 * param' = param − (lr / (1 − β1^step)) · m / (√v / √(1 − β2^step) + eps).
 */
export interface AdamUpdateArgs<T extends Tensor = Tensor> {
  /** The parameter before the step. */
  param: T;
  /** Its gradient, param's shape (SHAPE_MISMATCH otherwise; likewise m and v). */
  grad: T;
  /** First moment (running mean of g) from the previous step; zeros before the first. */
  m: T;
  /** Second moment (running mean of g²) from the previous step; zeros before the first. */
  v: T;
  /** 1-based step count, for bias correction. */
  step: number;
  /** Learning rate; finite (INVALID_ARGUMENT otherwise), as are the other numbers. */
  lr: number;
  /** Decay of the first moment (PyTorch's default 0.9). */
  beta1: number;
  /** Decay of the second moment (PyTorch's default 0.999). */
  beta2: number;
  /** Added to the bias-corrected √v for stability (PyTorch's default 1e-8). */
  eps: number;
  /** Weight decay: L2 on the gradient (Adam) or decoupled shrinkage (AdamW); 0 for none. */
  weightDecay: number;
  /** true: AdamW's decoupled weight decay; false: Adam's L2 form. */
  decoupled: boolean;
}

/** What `adamUpdate` returns: new tensors, each param's shape; the inputs are left for the caller to dispose. */
export interface AdamUpdateResult<T extends Tensor = Tensor> {
  /** The parameter after the step. */
  param: T;
  /** The updated first moment. */
  m: T;
  /** The updated second moment. */
  v: T;
}

/**
 * An int8 weight matrix on the host: W [N, K] (N output channels, K inputs; PyTorch's
 * [out, in] and [G·H, D] layouts) quantized symmetrically per row (output channel):
 * scales[n] = max|W[n, :]| / 127 (float32), data[n·K + k] = clamp(roundHalfEven(W / scales[n]),
 * −127, 127), zero point 0. `W ≈ data · scales[n]`. Made by `quantizeRows` (core's
 * `composite/int8_impl.ts`, which also states the activation scheme every kernel follows).
 */
export interface QuantizedMatrix {
  /** Wq, [N·K] row-major, every value in [−127, 127] (−128 is refused). */
  readonly data: Int8Array;
  /** Per-row scales s_w [N], finite and ≥ 0. */
  readonly scales: Float32Array;
  /** [N, K], N, K ≥ 1, K ≤ `MAX_QUANTIZED_K` (LIMIT_EXCEEDED otherwise). */
  readonly shape: readonly [number, number];
}

/**
 * A backend-owned handle to a `QuantizedMatrix` (`uploadQuantized`). Only the quantized ops take
 * it; release it with `disposeQuantized` (it counts in `liveTensors()`).
 */
export interface QuantizedTensor {
  /** [N, K], the uploaded matrix's shape. */
  readonly shape: Shape;
  /** Name of the backend that made it; only that instance accepts it. */
  readonly backend: string;
  /** Always `int8`: tells it apart from a float32 `Tensor`. */
  readonly dtype: 'int8';
}

/**
 * y [M, N] = dequant(dynamicQuant(x) · Wqᵀ) + bias, exactly as `composite/int8_impl.ts`
 * (`quantizedMatmulHost`) specifies: each row of x [M, K] is quantized to unsigned 7-bit with its
 * own scale and zero point, the dot products are int32, and the float steps are three float32
 * operations in a fixed order (no fused multiply-add), so a native kernel can match it bit for bit.
 */
export interface QuantizedMatmulArgs<T extends Tensor = Tensor, Q extends QuantizedTensor = QuantizedTensor> {
  /** Activations [M, K], float32; each row is quantized on the fly. */
  x: T;
  /** Int8 weight [N, K] from this backend's `uploadQuantized`. */
  weight: Q;
  /** Float32 bias [N] added last; absent: no add. */
  bias?: T;
}

/**
 * Inference-only recurrent forward with int8 weightIh [G·H, D] and weightHh [G·H, H]: the same
 * arguments and results as `recurrentForward` (no `training`, no `saved`). Every gate
 * pre-activation is `quantizedMatmul(x_t, weightIh, biasIh) + quantizedMatmul(h, weightHh, biasHh)`
 * (GRU reset-after: the n gate's recurrent half is multiplied by r after its bias; reset-before:
 * `quantizedMatmul(r ⊙ h, weightHh[2H:3H], biasHh[2H:3H])`), then the float gate math of
 * `recurrentForward`. The input projection may run for all steps at once: quantization is per row.
 */
export interface QuantizedRecurrentForwardArgs<T extends Tensor = Tensor, Q extends QuantizedTensor = QuantizedTensor>
  extends Omit<RecurrentForwardArgs<T>, 'weightIh' | 'weightHh' | 'training'> {
  /** Int8 input-to-hidden weights [G·H, D], gates in PyTorch's order. */
  weightIh: Q;
  /** Int8 hidden-to-hidden weights [G·H, H], gates as in `weightIh`. */
  weightHh: Q;
}

/**
 * Int8 inference ops. On a `Backend` every one is present: a kernel table without
 * `uploadQuantized` gets core's form (the host matrix, dequantized once to a float32 tensor when
 * needed); without `quantizedMatmul` core's composite runs the exact integer scheme on the host
 * when the backend can read synchronously (`MemoryKernels.readSync`), else a float32 matmul on
 * the dequantized weights; without `quantizedRecurrentForward` core's composite runs the
 * recurrence with `quantizedMatmul` and the primitives. `info().quantized` says which.
 */
export interface QuantizedOps {
  /**
   * Puts a host int8 matrix on the backend and returns its handle (counted in `liveTensors()`).
   * Throws INVALID_ARGUMENT for a malformed matrix, LIMIT_EXCEEDED past `MAX_QUANTIZED_K` columns
   * or the backend's limits.
   */
  uploadQuantized(q: QuantizedMatrix): QuantizedTensor;
  /** Releases a handle from `uploadQuantized`; any later use of it throws DISPOSED. */
  disposeQuantized(q: QuantizedTensor): void;
  /** y [M, N] = x [M, K] · Wqᵀ dequantized, + bias (see `QuantizedMatmulArgs`). A new tensor. */
  quantizedMatmul(args: QuantizedMatmulArgs): Tensor;
  /**
   * `recurrentForward` with int8 weights, inference only (see `QuantizedRecurrentForwardArgs`):
   * y, hN and cN, never `saved`. `batchFirst` throws UNSUPPORTED unless the backend's own int8
   * kernel takes it (`recurrentBatchFirst`).
   */
  quantizedRecurrentForward(args: QuantizedRecurrentForwardArgs): RecurrentForwardResult;
}

/**
 * How a backend runs the int8 ops: `native` (its own integer kernels), `host` (core's exact
 * integer scheme in plain JS on synchronously read data: the same numbers as a native kernel), or
 * `dequantized` (float32 weights dequantized once; activations are not quantized, so results
 * differ from the integer scheme by the activation rounding).
 */
export type QuantizedMode = 'native' | 'host' | 'dequantized';

/**
 * Fused kernels. On a `Backend` every one is present: `defineBackend` runs the backend's own
 * kernel when its table has one and core's composite version (`composite/`, written with the
 * primitives) otherwise; `info().fusedOps` says which.
 */
export interface FusedOps {
  /**
   * Runs one layer-direction of a recurrent cell over the whole sequence (see
   * `RecurrentForwardArgs`); returns y, the final states and, when training, `saved`. Throws
   * SHAPE_MISMATCH, UNKNOWN_CELL or INVALID_LENGTHS for arguments that disagree.
   */
  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult;
  /**
   * Backpropagation through time for a `recurrentForward` run with `training: true`: gradients
   * w.r.t. the inputs, initial states and weights (see `RecurrentBackwardResult`).
   */
  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult;
  /**
   * The MSE loss's pass in one: sumSquares [1] = Σ (output − target)² (accumulated in double)
   * and grad = gradScale · (output − target), computed as sub, then affine(·, gradScale, 0) in
   * double, would give it. output and target view as the same [rows, cols].
   */
  squaredErrorGrad(
    output: Tensor,
    target: Tensor,
    gradScale: number,
  ): {
    /** Σ (output − target)², [1]. */
    sumSquares: Tensor;
    /** gradScale · (output − target), output's shape. */
    grad: Tensor;
  };
  /** Optimizer updates, so parameters and their state stay on the device. New tensors out. */
  sgdUpdate(args: SgdUpdateArgs): SgdUpdateResult;
  /** One Adam/AdamW step (see `AdamUpdateArgs`): new param, m and v; inputs are not modified. */
  adamUpdate(args: AdamUpdateArgs): AdamUpdateResult;
}

/** The fused ops, by name: what `info().fusedOps` reports on. */
export const FUSED_OPS = [
  'recurrentForward',
  'recurrentBackward',
  'squaredErrorGrad',
  'sgdUpdate',
  'adamUpdate',
  'quantizedMatmul',
  'quantizedRecurrentForward',
] as const;
/** One of `FUSED_OPS`: an op a backend may run natively or through core's composite. */
export type FusedOpName = (typeof FUSED_OPS)[number];

/** What a backend reports about itself (`Backend.info()`); a backend may add its own fields. */
export interface BackendInfo {
  /** Registered name: `cpu`, `webgpu`, `tfjs`. */
  name: string;
  /** What actually runs, e.g. `cpu-js`, `tfjs-wasm`, `webgpu (llvmpipe)`. */
  engine: string;
  /** For each fused op: the backend's own kernel (`native`) or core's composite one. */
  fusedOps: Record<FusedOpName, 'native' | 'composite'>;
  /** How the int8 ops run (see `QuantizedMode`). */
  quantized: QuantizedMode;
}

/**
 * What core and users call. Build one with `defineBackend` (`@rnnkit/core/backend`): it validates
 * every argument, counts and checks tensor ownership, and fills in the fused ops.
 */
export interface Backend extends MemoryOps, PrimitiveOps, FusedOps, QuantizedOps {
  /** The interface version this backend implements (`BACKEND_SPEC_VERSION`). */
  readonly specificationVersion: typeof BACKEND_SPEC_VERSION;
  /** Registered name (`cpu`, `webgpu`, `tfjs`); every tensor it makes carries it as `backend`. */
  readonly name: string;
  /** The fused recurrent kernels take `batchFirst: true` (core then skips its own re-layout). */
  readonly recurrentBatchFirst: boolean;
  /** What runs: engine, which fused ops are native, how int8 runs (see `BackendInfo`). */
  info(): BackendInfo;
  /** Waits for queued work (no-op on synchronous backends). */
  sync(): Promise<void>;
  /** Releases everything the backend holds; every later call throws DISPOSED. */
  destroy(): void;
}
