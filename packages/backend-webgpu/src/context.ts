import type { Shape } from '@rnnkit/core';
import { formatShape, RnnkitError, sizeOf } from '@rnnkit/core';
import { BUFFER_COPY_DST, BUFFER_COPY_SRC, BUFFER_MAP_READ, BUFFER_STORAGE, BUFFER_UNIFORM } from './constants.js';
import type { AcquiredDevice, WebgpuAdapterDescription } from './device.js';
import { type GemmForm, type GemmKernelOption, resolveGemmKernel } from './kernels/gemm_impl.js';
import { checkPathOption, type RecurrentPath, type RecurrentPathOption, type SequenceLimits } from './kernels/recurrent_sequence_impl.js';
import { BufferPool, type GpuBuf } from './pool.js';
import { floatBytesOf, PipelineCache, Program, type ProgramContext, type WebgpuPrecision, type WorkCounters } from './program.js';
import { Storage, WebgpuTensor } from './tensor.js';

/** Performance settings of `createWebgpuBackend`: buffer pooling and the fused recurrent kernels' path. */
export interface WebgpuBackendTuning {
  /** Free bytes each pool keeps for reuse (default 256 MiB for storage, 16 MiB for the others). */
  maxPooledBytes?: number;
  /**
   * How the fused recurrent kernels run a layer direction: `auto` (default) uses the sequence
   * kernel (one dispatch for all T steps) where the shape and the device's limits allow and the
   * per-step path (one dispatch per step) elsewhere; `sequence` uses the sequence kernel wherever
   * it can run at all, `step` never (both for tests and measurements).
   */
  recurrentPath?: RecurrentPathOption;
  /**
   * Which GEMM kernel the matmuls and the recurrent layers' input projections and weight
   * gradients run: `auto` (default) the `blocked` form on software adapters (lavapipe,
   * SwiftShader), where it measured 4–5× faster, and the `tiled` form elsewhere; the others
   * force a form (for tests and measurements). Both compute each output as the same sum in the
   * same k order.
   */
  gemmKernel?: GemmKernelOption;
}

/** lavapipe/llvmpipe, SwiftShader or an adapter that says it is a fallback (CPU) one. */
export function isSoftwareAdapter(a: WebgpuAdapterDescription): boolean {
  return a.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software/i.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);
}

/** Which path the last fused recurrent calls took, and why (`WebgpuBackend.counters()`). */
export interface RecurrentCallReport {
  /** The kernel that ran. */
  op: 'recurrentForward' | 'recurrentBackward';
  /** `sequence` (one dispatch per layer direction for all T steps) or `step` (dispatches per time step). */
  path: RecurrentPath;
  /** Why that path, e.g. `forced (recurrentPath: step)` or the device limit that ruled the sequence kernel out. */
  reason: string;
  /** Time steps of the call. */
  T: number;
  /** Batch size of the call. */
  B: number;
  /** Hidden units of the call. */
  H: number;
  /** Dispatches of the call's command buffer (the input GEMMs and copies' kernels included). */
  dispatches: number;
}

/** Counters since the backend started (or `resetCounters()`). */
export interface WebgpuCounters extends WorkCounters {
  /** Fused recurrent calls per path. */
  recurrent: {
    /** Calls that ran the sequence kernel. */
    sequence: number;
    /** Calls that ran the per-step path. */
    step: number;
  };
  /** The most recent fused recurrent call, if any. */
  lastRecurrent: RecurrentCallReport | undefined;
}

/**
 * What every webgpu kernel shares: the device, the buffer pools, the pipeline cache, and the
 * error state. GPU errors (validation, out of memory) are collected as the device reports them
 * and make the next `read`/`sync` throw; device loss makes every call throw (`check`).
 */
export class WebgpuContext implements ProgramContext {
  /** The device every kernel runs on (the caller's, or one the backend requested). */
  readonly device: GPUDevice;
  /** The adapter behind `device`, as far as the runtime reports it. */
  readonly adapter: WebgpuAdapterDescription;
  /** True when the backend requested the device, and so destroys it with itself. */
  readonly owned: boolean;
  /** Objects the device needs alive (Dawn's GPU instance and the adapter, in Node). */
  readonly keepAlive: readonly unknown[];
  /** Pool of STORAGE | COPY_SRC | COPY_DST buffers: tensor data, saved activations, temporaries. */
  readonly storage: BufferPool;
  /** Pool of UNIFORM | COPY_DST buffers: each Program's dispatch parameters. */
  readonly uniforms: BufferPool;
  /** Pool of MAP_READ | COPY_DST buffers that `read` copies results into and maps. */
  readonly staging: BufferPool;
  /** Compiled compute pipelines and bind groups, keyed by kernel and buffer ids. */
  readonly pipelines: PipelineCache;
  /** minUniformBufferOffsetAlignment of the device, in bytes: the stride of dispatch parameter slots. */
  readonly uniformAlign: number;
  /** maxComputeWorkgroupsPerDimension. */
  readonly maxWorkgroups: number;
  /** The largest buffer one storage binding can hold, in bytes. */
  readonly maxBinding: number;
  /** A small storage buffer bound where a kernel's optional input is absent (read-only slots only). */
  readonly dummy: GpuBuf;
  /** The GEMM kernel (the `gemmKernel` option, resolved against the adapter). */
  readonly gemmForm: GemmForm;
  /** The `recurrentPath` option (`step` under precision `f16`). */
  readonly recurrentPath: RecurrentPathOption;
  /** The limits the sequence kernels' choice reads. */
  readonly sequenceLimits: SequenceLimits;
  /** How float data is stored (the `precision` option); kernels compute in f32 either way. */
  readonly precision: WebgpuPrecision;
  /** Bytes of one stored float: 4, or 2 under precision `f16`. */
  readonly floatBytes: number;
  /** Work sent since creation or `resetCounters()` (`WebgpuBackend.counters()` returns a copy). */
  counters: WebgpuCounters = { dispatches: 0, submits: 0, recurrent: { sequence: 0, step: 0 }, lastRecurrent: undefined };
  /** Set by `destroy()`: the buffers and (when owned) the device are gone. */
  destroyed = false;
  /** Why the device was lost (`reason: message`); undefined while it works. Once set, every call throws BACKEND_UNAVAILABLE. */
  lostReason: string | undefined;
  /** GPU errors the device reported (`GPUValidationError: …`), oldest first; any makes `read`/`sync` throw BACKEND_FAILURE from then on. */
  readonly gpuErrors: string[] = [];
  private readonly onError = (ev: Event) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    const kind = err?.constructor?.name ?? 'GPUError';
    this.gpuErrors.push(`${kind}: ${err?.message ?? String(err)}`);
  };

  constructor(acquired: AcquiredDevice, tuning: WebgpuBackendTuning = {}, precision: WebgpuPrecision = 'f32') {
    const { device } = acquired;
    this.precision = precision;
    this.floatBytes = floatBytesOf(precision);
    this.device = device;
    this.adapter = acquired.adapter;
    this.owned = acquired.owned;
    this.keepAlive = acquired.keepAlive;
    const pooled = tuning.maxPooledBytes ?? 256 * 2 ** 20;
    // Dawn in Node over lavapipe crashes once ~65k bind groups were made in one synchronous run.
    const lavapipeInNode = this.adapter.source.startsWith('webgpu') && /llvmpipe/i.test(`${this.adapter.description} ${this.adapter.device}`);
    this.pipelines = new PipelineCache(device, lavapipeInNode ? 60_000 : Infinity, precision);
    this.storage = new BufferPool(device, BUFFER_STORAGE | BUFFER_COPY_SRC | BUFFER_COPY_DST, 'storage', pooled);
    this.uniforms = new BufferPool(device, BUFFER_UNIFORM | BUFFER_COPY_DST, 'uniform', Math.min(pooled, 16 * 2 ** 20));
    this.staging = new BufferPool(device, BUFFER_MAP_READ | BUFFER_COPY_DST, 'staging', Math.min(pooled, 16 * 2 ** 20));
    this.uniformAlign = device.limits.minUniformBufferOffsetAlignment;
    this.maxWorkgroups = device.limits.maxComputeWorkgroupsPerDimension;
    this.recurrentPath = checkPathOption(tuning.recurrentPath);
    // The sequence kernels store f32 only: under f16 every call takes the per-step path
    // (createWebgpuBackend refuses recurrentPath 'sequence' with f16 before this).
    if (precision === 'f16') this.recurrentPath = 'step';
    const l = device.limits;
    this.sequenceLimits = {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      software: isSoftwareAdapter(this.adapter),
    };
    this.gemmForm = resolveGemmKernel(tuning.gemmKernel, this.sequenceLimits.software);
    this.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.dummy = { buffer: device.createBuffer({ size: 256, usage: BUFFER_STORAGE, label: 'rnnkit-dummy' }), size: 256, id: 0 };
    device.addEventListener('uncapturederror', this.onError);
    device.lost.then((info) => {
      if (!this.destroyed) this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    });
  }

  /** Throws when the device was lost (core checks destroyed itself). */
  check(): void {
    if (this.lostReason !== undefined) {
      throw new RnnkitError('BACKEND_UNAVAILABLE', `webgpu: the GPU device was lost (${this.lostReason}); create a new backend`);
    }
  }

  /** Throws the first GPU error reported since the backend started (they don't clear: results since are suspect). */
  throwIfFailed(): void {
    this.check();
    if (this.gpuErrors.length > 0) {
      const more = this.gpuErrors.length > 1 ? ` (and ${this.gpuErrors.length - 1} more)` : '';
      throw new RnnkitError(
        'BACKEND_FAILURE',
        `webgpu: the device reported an error, so results computed since are not trustworthy: ${this.gpuErrors[0]}${more}`,
      );
    }
  }

  /**
   * Throws UNSUPPORTED, naming the op and the argument that sets the size, when `elements`
   * 4-byte values (`what`) exceed what one storage binding can hold. Results are core's to
   * refuse (maxTensorBytes is the binding size); kernels call this for their own buffers (saved
   * states, index tables) before they allocate anything.
   */
  checkBinding(op: string, argument: string, elements: number, what: string): void {
    if (elements * 4 > this.maxBinding) {
      throw new RnnkitError(
        'UNSUPPORTED',
        `${op}: ${argument}: ${what} needs ${elements * 4} bytes, more than this device's largest storage binding (${this.maxBinding} bytes)`,
        { argument },
      );
    }
  }

  /**
   * Throws UNSUPPORTED (argument `precision`) under precision `f16`: the optimizer updates need
   * f32 weights and moments (an f16 weight drops updates below 2⁻¹¹ of itself, and Adam's
   * second moments underflow f16). Called before anything is allocated.
   */
  refuseUnderF16(op: string): void {
    if (this.precision === 'f16') {
      throw new RnnkitError(
        'UNSUPPORTED',
        `${op}: precision: expected a backend with precision 'f32' for optimizer updates, got 'f16' (train on an f32 backend, then load the weights into an f16 one for inference)`,
        { argument: 'precision' },
      );
    }
  }

  /** Throws UNSUPPORTED when a dispatch would need more than maxComputeWorkgroupsPerDimension workgroups along one axis. */
  checkWorkgroups(op: string, argument: string, groups: number, what: string): void {
    if (groups > this.maxWorkgroups) {
      throw new RnnkitError(
        'UNSUPPORTED',
        `${op}: ${argument}: ${what} needs ${groups} workgroups along one axis, more than this device allows (${this.maxWorkgroups})`,
        { argument },
      );
    }
  }

  /** A new tensor (contents undefined until a kernel writes it). Core checked its size (maxTensorBytes); this is a backstop. */
  alloc(shape: Shape): WebgpuTensor {
    const n = sizeOf(shape);
    this.checkBinding('alloc', 'shape', n, `a tensor of shape ${formatShape(shape)}`);
    return new WebgpuTensor(shape, new Storage(this.storage.acquire(n * this.floatBytes), this));
  }

  /** Storage outside any tensor (saved activations); give back with releaseBuffer. */
  acquireBuffer(bytes: number): GpuBuf {
    return this.storage.acquire(bytes);
  }

  /** Returns a buffer from `acquireBuffer` (or a tensor's storage) to the storage pool; after `destroy()` it does nothing. */
  releaseBuffer(b: GpuBuf): void {
    if (!this.destroyed) this.storage.release(b);
  }

  /** Records one fused recurrent call's path (dispatches: the counter's growth over the call). */
  reportRecurrent(r: RecurrentCallReport): void {
    this.counters.recurrent[r.path]++;
    this.counters.lastRecurrent = r;
  }

  /** A new Program: records dispatches and copies, then submits them as one command buffer. */
  program(): Program {
    return new Program(this);
  }

  /** Destroys every buffer the pools hold, and the device when the backend requested it. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.removeEventListener('uncapturederror', this.onError);
    this.storage.destroyAll();
    this.uniforms.destroyAll();
    this.staging.destroyAll();
    this.dummy.buffer.destroy();
    if (this.owned) this.device.destroy();
  }
}
