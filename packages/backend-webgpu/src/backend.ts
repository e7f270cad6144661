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
import { BACKEND_SPEC_VERSION, RnnkitError, formatShape, sizeOf } from '@rnnkit/core';
import { BUFFER_COPY_DST, BUFFER_COPY_SRC, BUFFER_MAP_READ, BUFFER_STORAGE, BUFFER_UNIFORM, MAP_MODE_READ } from './constants.js';
import type { AcquiredDevice, WebgpuAdapterDescription } from './device.js';
import { BufferPool, type GpuBuf, type GpuBufferStats } from './pool.js';
import { PipelineCache, Program, type ProgramContext } from './program.js';
import { Storage, WebgpuTensor } from './tensor.js';
import { checkShape } from './validate.js';
import { adamUpdate } from './kernels/adam_update.js';
import { add } from './kernels/add.js';
import { addRowVector } from './kernels/add_row_vector.js';
import { affine } from './kernels/affine.js';
import { clip } from './kernels/clip.js';
import { concatColumns } from './kernels/concat_columns.js';
import { concatRows } from './kernels/concat_rows.js';
import { div } from './kernels/div.js';
import { fill } from './kernels/fill.js';
import { gatherRows } from './kernels/gather_rows.js';
import { matmul, type MatmulOptions } from './kernels/matmul.js';
import { mul } from './kernels/mul.js';
import { mulColumnVector } from './kernels/mul_column_vector.js';
import { recurrentBackward } from './kernels/recurrent_backward.js';
import { recurrentForward } from './kernels/recurrent_forward.js';
import { relu } from './kernels/relu.js';
import { reluBackward } from './kernels/relu_backward.js';
import { scatterAddRows } from './kernels/scatter_add_rows.js';
import { sgdUpdate } from './kernels/sgd_update.js';
import { sigmoid } from './kernels/sigmoid.js';
import { sigmoidBackward } from './kernels/sigmoid_backward.js';
import { sliceColumns } from './kernels/slice_columns.js';
import { sliceRows } from './kernels/slice_rows.js';
import { softmax } from './kernels/softmax.js';
import { softmaxCrossEntropy } from './kernels/softmax_cross_entropy.js';
import { sqrt } from './kernels/sqrt.js';
import { sub } from './kernels/sub.js';
import { sum } from './kernels/sum.js';
import { sumRows } from './kernels/sum_rows.js';
import { sumSquares } from './kernels/sum_squares.js';
import { tanh } from './kernels/tanh.js';
import { tanhBackward } from './kernels/tanh_backward.js';

/** Every GPU buffer the backend manages, by pool, plus the totals. */
export interface WebgpuBufferReport extends GpuBufferStats {
  storage: GpuBufferStats;
  uniform: GpuBufferStats;
  staging: GpuBufferStats;
}

export interface WebgpuBackendTuning {
  /** Free bytes each pool keeps for reuse (default 256 MiB for storage, 16 MiB for the others). */
  maxPooledBytes?: number;
}

/**
 * The WebGPU backend. Every op records its dispatches into a Program and submits at once, so
 * results are handles to work queued on the device; `read` maps a staging copy. GPU errors
 * (validation, out of memory, device loss) are caught as they are reported and turn the next
 * `read`/`sync` (and, after device loss, every call) into an RnnkitError.
 */
export class WebgpuBackend implements Backend {
  readonly specificationVersion = BACKEND_SPEC_VERSION;
  readonly name = 'webgpu';
  readonly device: GPUDevice;
  readonly adapter: WebgpuAdapterDescription;
  readonly maxWorkgroups: number;
  private readonly owned: boolean;
  private readonly keepAlive: readonly unknown[];
  private readonly storage: BufferPool;
  private readonly uniforms: BufferPool;
  private readonly staging: BufferPool;
  private readonly ctx: ProgramContext;
  private readonly maxBinding: number;
  private readonly dummyBuf: GpuBuf;
  private live = 0;
  private destroyed = false;
  private lostReason: string | undefined;
  private readonly gpuErrors: string[] = [];
  private readonly onError = (ev: Event) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    const kind = err?.constructor?.name ?? 'GPUError';
    this.gpuErrors.push(`${kind}: ${err?.message ?? String(err)}`);
  };

  constructor(acquired: AcquiredDevice, tuning: WebgpuBackendTuning = {}) {
    const { device } = acquired;
    this.device = device;
    this.adapter = acquired.adapter;
    this.owned = acquired.owned;
    this.keepAlive = acquired.keepAlive;
    const pooled = tuning.maxPooledBytes ?? 256 * 2 ** 20;
    this.storage = new BufferPool(device, BUFFER_STORAGE | BUFFER_COPY_SRC | BUFFER_COPY_DST, 'storage', pooled);
    this.uniforms = new BufferPool(device, BUFFER_UNIFORM | BUFFER_COPY_DST, 'uniform', Math.min(pooled, 16 * 2 ** 20));
    this.staging = new BufferPool(device, BUFFER_MAP_READ | BUFFER_COPY_DST, 'staging', Math.min(pooled, 16 * 2 ** 20));
    this.maxWorkgroups = device.limits.maxComputeWorkgroupsPerDimension;
    this.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.ctx = {
      device,
      pipelines: new PipelineCache(device),
      uniforms: this.uniforms,
      storage: this.storage,
      uniformAlign: device.limits.minUniformBufferOffsetAlignment,
      maxWorkgroupsPerDim: this.maxWorkgroups,
    };
    this.dummyBuf = { buffer: device.createBuffer({ size: 256, usage: BUFFER_STORAGE, label: 'rnnkit-dummy' }), size: 256, id: 0 };
    device.addEventListener('uncapturederror', this.onError);
    device.lost.then((info) => {
      if (!this.destroyed) this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    });
  }

  info(): BackendInfo {
    const a = this.adapter;
    const parts = [a.description || a.device, [a.vendor, a.architecture].filter(Boolean).join(' '), a.isFallbackAdapter ? 'fallback adapter' : '', `via ${a.source}`];
    if (!parts[0] && !parts[1]) parts[0] = 'unknown adapter';
    return { name: this.name, engine: `webgpu (${parts.filter(Boolean).join('; ')})` };
  }

  // ---- internals used by kernels -------------------------------------------------------

  /** Throws when the backend can no longer run work. */
  check(): void {
    if (this.destroyed) throw new RnnkitError('DISPOSED', 'webgpu: the backend was destroyed');
    if (this.lostReason !== undefined) {
      throw new RnnkitError('BACKEND_UNAVAILABLE', `webgpu: the GPU device was lost (${this.lostReason}); create a new backend`);
    }
  }

  /** The argument as this backend's live tensor, or a clear error. */
  own(op: string, argument: string, x: Tensor): WebgpuTensor {
    this.check();
    if (!(x instanceof WebgpuTensor) || x.storage.owner !== this) {
      const other = x && typeof x === 'object' && 'backend' in x ? `a tensor of backend "${String((x as Tensor).backend)}"` : String(x);
      const hint = x instanceof WebgpuTensor ? 'a tensor of another webgpu backend instance' : other;
      throw new RnnkitError('BACKEND_MISMATCH', `${op}: ${argument}: expected a tensor of this webgpu backend, got ${hint}`, { argument });
    }
    if (x.disposed) throw new RnnkitError('DISPOSED', `${op}: ${argument}: the tensor was disposed`, { argument });
    return x;
  }

  /** Throws UNSUPPORTED when `elements` float32s exceed what one binding can hold. */
  checkBytes(op: string, elements: number, shape?: Shape): void {
    if (elements * 4 > this.maxBinding) {
      throw new RnnkitError(
        'UNSUPPORTED',
        `${op}: ${shape ? `a tensor of shape ${formatShape(shape)}` : `${elements} elements`} needs ${elements * 4} bytes, more than this device's largest storage binding (${this.maxBinding} bytes)`,
      );
    }
  }

  /** A new tensor (contents undefined until a kernel writes it). */
  alloc(shape: Shape, op = 'alloc'): WebgpuTensor {
    this.check();
    checkShape(op, 'shape', shape);
    const n = sizeOf(shape);
    this.checkBytes(op, n, shape);
    const t = new WebgpuTensor(shape, new Storage(this.storage.acquire(n * 4), this));
    this.live++;
    return t;
  }

  /** Storage outside any tensor (saved activations); give back with releaseBuffer. */
  acquireBuffer(bytes: number): GpuBuf {
    this.check();
    this.checkBytes('acquireBuffer', bytes / 4);
    return this.storage.acquire(bytes);
  }

  releaseBuffer(b: GpuBuf): void {
    if (!this.destroyed) this.storage.release(b);
  }

  /** A small storage buffer bound where a kernel's optional input is absent (read-only slots only). */
  dummy(): GpuBuf {
    return this.dummyBuf;
  }

  program(): Program {
    return new Program(this.ctx);
  }

  // ---- memory --------------------------------------------------------------------------

  upload(data: Float32Array, shape: Shape): WebgpuTensor {
    this.check();
    checkShape('upload', 'shape', shape);
    if (!(data instanceof Float32Array)) {
      throw new RnnkitError('INVALID_ARGUMENT', `upload: data: expected a Float32Array, got ${data === null ? 'null' : typeof data}`, { argument: 'data' });
    }
    if (data.length !== sizeOf(shape)) {
      throw new RnnkitError('SHAPE_MISMATCH', `upload: data: expected ${sizeOf(shape)} values for shape ${formatShape(shape)}, got ${data.length}`, { argument: 'data' });
    }
    const t = this.alloc(shape, 'upload');
    if (data.length > 0) this.device.queue.writeBuffer(t.buf.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return t;
  }

  zeros(shape: Shape): WebgpuTensor {
    return fill(this, shape, 0);
  }

  fill(shape: Shape, value: number): WebgpuTensor {
    return fill(this, shape, value);
  }

  async read(x: Tensor): Promise<Float32Array> {
    const t = this.own('read', 'x', x);
    const bytes = t.size * 4;
    if (bytes === 0) {
      await this.sync();
      return new Float32Array(0);
    }
    const st = this.staging.acquire(bytes);
    const enc = this.device.createCommandEncoder({ label: 'rnnkit-read' });
    enc.copyBufferToBuffer(t.buf.buffer, 0, st.buffer, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    try {
      await st.buffer.mapAsync(MAP_MODE_READ, 0, bytes);
    } catch (e) {
      this.throwIfFailed();
      this.check();
      throw new RnnkitError('BACKEND_UNAVAILABLE', `read: mapping the result failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const out = new Float32Array(st.buffer.getMappedRange(0, bytes).slice(0));
    st.buffer.unmap();
    if (!this.destroyed) this.staging.release(st);
    this.throwIfFailed();
    return out;
  }

  dispose(x: Tensor): void {
    if (!(x instanceof WebgpuTensor) || x.storage.owner !== this) {
      throw new RnnkitError('BACKEND_MISMATCH', `dispose: x: expected a tensor of this webgpu backend, got ${x && typeof x === 'object' ? `one of backend "${String(x.backend)}"` : String(x)}`, {
        argument: 'x',
      });
    }
    if (x.disposed) return;
    x.disposed = true;
    this.live--;
    if (!this.destroyed) x.storage.drop();
  }

  reshape(x: Tensor, shape: Shape): WebgpuTensor {
    const t = this.own('reshape', 'x', x);
    checkShape('reshape', 'shape', shape);
    if (sizeOf(shape) !== t.size) {
      throw new RnnkitError('SHAPE_MISMATCH', `reshape: shape: expected ${t.size} elements (as x ${formatShape(t.shape)}), got ${formatShape(shape)}`, { argument: 'shape' });
    }
    this.live++;
    return new WebgpuTensor(shape, t.storage.retain());
  }

  liveTensors(): number {
    return this.live;
  }

  /** GPU buffers handed out and not yet released: tensor storage, saved activations, temporaries. */
  liveGpuBuffers(): number {
    return this.storage.stats().inUse + this.uniforms.stats().inUse + this.staging.stats().inUse;
  }

  /** Buffers per pool: in use, parked for reuse, allocated. */
  gpuBuffers(): WebgpuBufferReport {
    const storage = this.storage.stats();
    const uniform = this.uniforms.stats();
    const staging = this.staging.stats();
    const all = [storage, uniform, staging];
    const total = (k: keyof GpuBufferStats) => all.reduce((s, x) => s + x[k], 0);
    return { storage, uniform, staging, inUse: total('inUse'), pooled: total('pooled'), allocated: total('allocated'), allocatedBytes: total('allocatedBytes') };
  }

  /** Destroys the buffers parked for reuse (live tensors keep theirs). */
  trimPool(): void {
    this.storage.trim();
    this.uniforms.trim();
    this.staging.trim();
  }

  async sync(): Promise<void> {
    this.check();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfFailed();
  }

  /** Throws the first GPU error reported since the backend started (they don't clear: results since are suspect). */
  private throwIfFailed(): void {
    this.check();
    if (this.gpuErrors.length > 0) {
      const more = this.gpuErrors.length > 1 ? ` (and ${this.gpuErrors.length - 1} more)` : '';
      throw new RnnkitError('BACKEND_FAILURE', `webgpu: the device reported an error, so results computed since are not trustworthy: ${this.gpuErrors[0]}${more}`);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.removeEventListener('uncapturederror', this.onError);
    this.storage.destroyAll();
    this.uniforms.destroyAll();
    this.staging.destroyAll();
    this.dummyBuf.buffer.destroy();
    if (this.owned) this.device.destroy();
  }

  // ---- primitives ----------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, opts?: MatmulOptions): WebgpuTensor {
    return matmul(this, a, b, opts);
  }
  add(a: Tensor, b: Tensor): WebgpuTensor {
    return add(this, a, b);
  }
  sub(a: Tensor, b: Tensor): WebgpuTensor {
    return sub(this, a, b);
  }
  mul(a: Tensor, b: Tensor): WebgpuTensor {
    return mul(this, a, b);
  }
  div(a: Tensor, b: Tensor): WebgpuTensor {
    return div(this, a, b);
  }
  affine(a: Tensor, s: number, t: number): WebgpuTensor {
    return affine(this, a, s, t);
  }
  addRowVector(a: Tensor, v: Tensor): WebgpuTensor {
    return addRowVector(this, a, v);
  }
  mulColumnVector(a: Tensor, v: Tensor): WebgpuTensor {
    return mulColumnVector(this, a, v);
  }
  tanh(a: Tensor): WebgpuTensor {
    return tanh(this, a);
  }
  sigmoid(a: Tensor): WebgpuTensor {
    return sigmoid(this, a);
  }
  relu(a: Tensor): WebgpuTensor {
    return relu(this, a);
  }
  sqrt(a: Tensor): WebgpuTensor {
    return sqrt(this, a);
  }
  clip(a: Tensor, lo: number, hi: number): WebgpuTensor {
    return clip(this, a, lo, hi);
  }
  tanhBackward(y: Tensor, dy: Tensor): WebgpuTensor {
    return tanhBackward(this, y, dy);
  }
  sigmoidBackward(y: Tensor, dy: Tensor): WebgpuTensor {
    return sigmoidBackward(this, y, dy);
  }
  reluBackward(y: Tensor, dy: Tensor): WebgpuTensor {
    return reluBackward(this, y, dy);
  }
  sumRows(a: Tensor): WebgpuTensor {
    return sumRows(this, a);
  }
  sum(a: Tensor): WebgpuTensor {
    return sum(this, a);
  }
  sumSquares(a: Tensor): WebgpuTensor {
    return sumSquares(this, a);
  }
  sliceColumns(a: Tensor, start: number, width: number): WebgpuTensor {
    return sliceColumns(this, a, start, width);
  }
  concatColumns(parts: readonly Tensor[]): WebgpuTensor {
    return concatColumns(this, parts);
  }
  sliceRows(a: Tensor, start: number, count: number): WebgpuTensor {
    return sliceRows(this, a, start, count);
  }
  concatRows(parts: readonly Tensor[]): WebgpuTensor {
    return concatRows(this, parts);
  }
  gatherRows(a: Tensor, indices: Int32Array): WebgpuTensor {
    return gatherRows(this, a, indices);
  }
  scatterAddRows(a: Tensor, indices: Int32Array, numRows: number): WebgpuTensor {
    return scatterAddRows(this, a, indices, numRows);
  }
  softmaxCrossEntropy(logits: Tensor, targets: Int32Array, ignoreIndex: number): { loss: WebgpuTensor; grad: WebgpuTensor } {
    return softmaxCrossEntropy(this, logits, targets, ignoreIndex);
  }
  softmax(a: Tensor): WebgpuTensor {
    return softmax(this, a);
  }

  // ---- fused ---------------------------------------------------------------------------

  recurrentForward(args: RecurrentForwardArgs): RecurrentForwardResult {
    return recurrentForward(this, args);
  }
  recurrentBackward(args: RecurrentBackwardArgs): RecurrentBackwardResult {
    return recurrentBackward(this, args);
  }
  /** torch.optim.SGD on one parameter in one dispatch. */
  sgdUpdate(args: SgdUpdateArgs): SgdUpdateResult {
    return sgdUpdate(this, args);
  }
  /** torch.optim.Adam / AdamW on one parameter in one dispatch. */
  adamUpdate(args: AdamUpdateArgs): AdamUpdateResult {
    return adamUpdate(this, args);
  }
}
