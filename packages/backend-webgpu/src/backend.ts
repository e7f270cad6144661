/// <reference types="@webgpu/types" />
import { type BackendDefinition, RnnkitError } from '@rnnkit/core';
import { type BackendDefinitionParts, KernelBackend } from '@rnnkit/core/backend';
import { type WebgpuBackendTuning, WebgpuContext, type WebgpuCounters } from './context.js';
import { acquireDevice, type WebgpuAdapterDescription } from './device.js';
import { type GemmForm, resolveGemmKernel } from './kernels/gemm_impl.js';
import * as webgpuKernels from './kernels/index.js';
import { checkPathOption, planRecurrent, type RecurrentPathOption, type SequencePlan, sequenceCell } from './kernels/recurrent_sequence_impl.js';
import { webgpuMemory } from './memory.js';
import type { GpuBufferStats } from './pool.js';
import type { WebgpuPrecision } from './program.js';
import type { WebgpuTensor } from './tensor.js';

/** Every GPU buffer the backend manages, by pool, plus the totals. */
export interface WebgpuBufferReport extends GpuBufferStats {
  /** Storage buffers: tensor data, saved activations, temporaries. */
  storage: GpuBufferStats;
  /** Uniform buffers holding dispatch parameters. */
  uniform: GpuBufferStats;
  /** Mappable buffers that readbacks copy into. */
  staging: GpuBufferStats;
}

/** Options of `createWebgpuBackend` (and `createBackend('webgpu', { options })`): the tuning plus an optional device. */
export interface WebgpuBackendOptions extends WebgpuBackendTuning {
  /**
   * How tensors and every intermediate buffer store floats: `f32` (default), or `f16` — half the
   * GPU memory and bandwidth, for inference where the adapter has the `shader-f16` feature
   * (refused with UNSUPPORTED, argument `precision`, before any device is requested where it
   * has not). Under `f16` kernels still compute in f32 (GEMM sums, reductions, gate math) and
   * round each stored result to f16: conformance holds to `F16_FORWARD_TOLERANCE` /
   * `F16_GRADIENT_TOLERANCE` (README) instead of core's f32 bounds. `upload` rounds to f16 (beyond
   * ±65504: ±Infinity) and `read` widens to Float32Array. Fused recurrent calls take the per-step
   * path, and optimizer updates (`sgdUpdate`, `adamUpdate`) are refused with UNSUPPORTED: f16 has
   * no room for small updates and Adam's second moments. Train with `f32`, run with `f16`.
   */
  precision?: WebgpuPrecision;
  /**
   * A device to run on. The caller keeps ownership: `destroy()` releases the backend's buffers
   * but leaves the device alone. Without one, the backend requests an adapter and device from
   * `navigator.gpu` (browsers) or the `webgpu` package (Dawn, Node) and destroys it on `destroy()`.
   */
  device?: GPUDevice;
}

/** The engine string: the adapter's description, vendor and architecture, and where it came from. */
function engineOf(a: WebgpuAdapterDescription): string {
  const parts = [
    a.description || a.device,
    [a.vendor, a.architecture].filter(Boolean).join(' '),
    a.isFallbackAdapter ? 'fallback adapter' : '',
    `via ${a.source}`,
  ];
  if (!parts[0] && !parts[1]) parts[0] = 'unknown adapter';
  return `webgpu (${parts.filter(Boolean).join('; ')})`;
}

/**
 * The webgpu backend's parts for core's `defineBackend`: WGSL kernels over pooled GPU buffers.
 * Every op records its dispatches into one command buffer and submits at once, so results are
 * handles to work queued on the device; `read` maps a staging copy. GPU errors are collected as
 * reported and make the next `read`/`sync` throw; after device loss every call throws (`check`).
 */
export function webgpuParts(ctx: WebgpuContext): BackendDefinitionParts<WebgpuTensor, WebgpuContext> {
  return {
    name: 'webgpu',
    context: ctx,
    memory: webgpuMemory,
    kernels: webgpuKernels,
    // A tensor is one storage buffer bound whole: core refuses larger results (LIMIT_EXCEEDED).
    limits: { maxTensorBytes: ctx.maxBinding },
    info: (c) => ({ engine: c.precision === 'f16' ? `${engineOf(c.adapter)} [f16 storage, f32 compute; per-step recurrence]` : engineOf(c.adapter) }),
    check: (c) => c.check(),
    async sync(c) {
      await c.device.queue.onSubmittedWorkDone();
      c.throwIfFailed();
    },
    destroy: (c) => c.destroy(),
  };
}

/**
 * The backend `createWebgpuBackend` returns: core's `KernelBackend` over the webgpu parts, plus
 * the device and the buffer pools' counts.
 */
export class WebgpuBackend extends KernelBackend<WebgpuTensor, WebgpuContext> {
  constructor(ctx: WebgpuContext) {
    super(webgpuParts(ctx));
  }

  /** The GPUDevice the kernels run on: the `device` option, or the one the backend requested. */
  get device(): GPUDevice {
    return this.context.device;
  }

  /** The adapter behind the device: vendor, architecture, description, and where the device came from. */
  get adapter(): WebgpuAdapterDescription {
    return this.context.adapter;
  }

  /** maxComputeWorkgroupsPerDimension of the device. */
  get maxWorkgroups(): number {
    return this.context.maxWorkgroups;
  }

  /** GPU buffers handed out and not yet released: tensor storage, saved activations, temporaries. */
  liveGpuBuffers(): number {
    const c = this.context;
    return c.storage.stats().inUse + c.uniforms.stats().inUse + c.staging.stats().inUse;
  }

  /** Buffers per pool: in use, parked for reuse, allocated. */
  gpuBuffers(): WebgpuBufferReport {
    const storage = this.context.storage.stats();
    const uniform = this.context.uniforms.stats();
    const staging = this.context.staging.stats();
    const all = [storage, uniform, staging];
    const total = (k: keyof GpuBufferStats) => all.reduce((s, x) => s + x[k], 0);
    return {
      storage,
      uniform,
      staging,
      inUse: total('inUse'),
      pooled: total('pooled'),
      allocated: total('allocated'),
      allocatedBytes: total('allocatedBytes'),
    };
  }

  /** How floats are stored: the `precision` option (`f32` unless `f16` was asked for). */
  get precision(): WebgpuPrecision {
    return this.context.precision;
  }

  /** The `recurrentPath` option the backend was created with (`auto` unless forced; `step` under precision `f16`). */
  get recurrentPath(): RecurrentPathOption {
    return this.context.recurrentPath;
  }

  /** The GEMM kernel the backend records: the `gemmKernel` option, `auto` resolved (`blocked` on software adapters, else `tiled`). */
  get gemmKernel(): GemmForm {
    return this.context.gemmForm;
  }

  /**
   * Which path a fused recurrent call of this shape takes on this device, and why: `sequence`
   * (one dispatch per layer direction) or `step` (one per time step).
   */
  recurrentPlan(pass: 'forward' | 'backward', cell: 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru', gruResetAfter: boolean, B: number, H: number): SequencePlan {
    const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
    return planRecurrent(
      this.context.recurrentPath,
      this.context.sequenceLimits,
      pass === 'forward' ? 'fwd' : 'bwd',
      sequenceCell(cell, gruResetAfter),
      B,
      H,
      G,
    );
  }

  /**
   * Work sent to the device since creation or `resetCounters()`: compute dispatches, command
   * buffers submitted (readbacks included), fused recurrent calls per path, and the last such
   * call's path, reason and dispatches (the per-call report). A copy.
   */
  counters(): WebgpuCounters {
    const c = this.context.counters;
    return { dispatches: c.dispatches, submits: c.submits, recurrent: { ...c.recurrent }, lastRecurrent: c.lastRecurrent ? { ...c.lastRecurrent } : undefined };
  }

  /** Sets every counter of `counters()` back to zero and forgets the last recurrent call. */
  resetCounters(): void {
    this.context.counters = { dispatches: 0, submits: 0, recurrent: { sequence: 0, step: 0 }, lastRecurrent: undefined };
  }

  /** Destroys the buffers parked for reuse (live tensors keep theirs). */
  trimPool(): void {
    this.context.storage.trim();
    this.context.uniforms.trim();
    this.context.staging.trim();
  }
}

/** The `precision` option, checked: INVALID_ARGUMENT for anything but `f32`, `f16` or absent. */
function checkPrecision(v: unknown): WebgpuPrecision {
  if (v === undefined || v === 'f32' || v === 'f16') return v ?? 'f32';
  throw new RnnkitError('INVALID_ARGUMENT', `createWebgpuBackend: precision: expected 'f32' or 'f16', got ${JSON.stringify(v)}`, { argument: 'precision' });
}

/**
 * Starts the WebGPU backend. Throws RnnkitError('BACKEND_UNAVAILABLE') saying why when there is
 * no WebGPU here (no navigator.gpu, the `webgpu` package missing, no adapter), and UNSUPPORTED
 * (argument `precision`) for precision `f16` on an adapter without `shader-f16`. Options are
 * checked before any device is requested.
 */
export async function createWebgpuBackend(options: WebgpuBackendOptions = {}): Promise<WebgpuBackend> {
  const precision = checkPrecision(options.precision);
  const path = checkPathOption(options.recurrentPath);
  resolveGemmKernel(options.gemmKernel, false); // checked before a device is requested
  if (precision === 'f16' && path === 'sequence') {
    throw new RnnkitError(
      'UNSUPPORTED',
      "createWebgpuBackend: recurrentPath: expected 'auto' or 'step' with precision 'f16' (the sequence kernels store f32 only), got 'sequence'",
      { argument: 'recurrentPath' },
    );
  }
  const acquired = await acquireDevice(options.device, precision === 'f16');
  return new WebgpuBackend(new WebgpuContext(acquired, options, precision));
}

/** Register with core's `registerBackend(webgpuBackend)`; preferred over cpu (priority 200). */
export const webgpuBackend: BackendDefinition<WebgpuBackendOptions> = {
  name: 'webgpu',
  priority: 200,
  create: (options?: WebgpuBackendOptions) => createWebgpuBackend(options),
};
