import type { Backend, BackendDefinition, BackendInfo, Tensor } from '@rnnkit/core';
import { RnnkitError } from '@rnnkit/core';
import type { BackendDefinitionParts } from '@rnnkit/core/backend';
import { KernelBackend } from '@rnnkit/core/backend';
import * as cpuKernels from './kernels/index.js';
import type { CpuQuantized } from './kernels/quantized_impl.js';
import { cpuMemory } from './memory.js';
import type { CpuContext, CpuTensor } from './tensor.js';
import type { SharedKernelLoader, WasmKernels } from './wasm/load.js';
import { loadWasmKernels, wasmSupport } from './wasm/load.js';

/** The most threads `threads: 'auto'` starts: the GEMMs split by rows, and the per-step ones are small. */
export const AUTO_MAX_THREADS = 4;

/** What runs the GEMMs and the fused recurrent kernels. */
export type CpuEngine = 'cpu-js' | 'cpu-wasm-simd' | 'cpu-wasm-relaxed-simd';

/** What the cpu backend reports beyond every backend's info. */
export interface CpuInfo {
  /** The engine that runs: `cpu-js` (plain TypeScript), `cpu-wasm-simd` or `cpu-wasm-relaxed-simd`. */
  engine: CpuEngine;
  /** WebAssembly SIMD128 kernels run the GEMMs and the fused recurrent kernels. */
  simd: boolean;
  /** Those kernels are the relaxed-SIMD build: fused multiply-add. */
  fma: boolean;
  /** Threads the large GEMMs use (workers over shared memory; 1 without them). */
  threads: number;
}

/** `info()` of the cpu backend. */
export type CpuBackendInfo = BackendInfo & CpuInfo;

/**
 * The plain TypeScript engine's table: every kernel but the int8 ones, whose integer dot products
 * are the point of the wasm engines; without them core runs its composite int8 ops on the host
 * (`info().quantized` is `host` there, `native` on the wasm engines).
 */
const { uploadQuantized, disposeQuantized, quantizedMatmul, quantizedRecurrentForward, ...cpuJsKernels } = cpuKernels;

/** Stops the worker threads of a backend that was dropped without `destroy()`. */
const workerCleanup = new FinalizationRegistry<WasmKernels>((w) => w.close());

/**
 * The cpu backend's parts for `defineBackend`: host memory, the kernel table and a context
 * holding the loaded WebAssembly kernels (absent: the plain TypeScript engine). Core validates
 * every call and counts tensors; the kernels hold only their math.
 */
export function cpuBackendParts(context: CpuContext): BackendDefinitionParts<CpuTensor, CpuContext, CpuInfo, CpuQuantized> {
  return {
    name: 'cpu',
    context,
    memory: cpuMemory,
    kernels: context.wasm ? cpuKernels : cpuJsKernels,
    // Both fused recurrent kernels take batch-first x (and give y, take dy, give dx) themselves.
    recurrentBatchFirst: true,
    // The wasm engines copy every operand into a wasm32 memory (at most 4 GiB); the TypeScript
    // engine keeps core's default (V8's largest Float32Array).
    ...(context.wasm ? { limits: { maxTensorBytes: context.wasm.arena.maxOperandBytes } } : {}),
    info: ({ wasm: w }) => ({ engine: w ? (w.fma ? 'cpu-wasm-relaxed-simd' : 'cpu-wasm-simd') : 'cpu-js', simd: !!w, fma: !!w?.fma, threads: w?.threads ?? 1 }),
    // Drops the kernels' memory and stops their worker threads.
    destroy: (ctx) => {
      ctx.wasm?.close();
      ctx.wasm = undefined;
    },
  };
}

/**
 * The default backend: tensors are Float32Arrays in this thread, every op runs synchronously.
 * It is `defineBackend(cpuBackendParts(…))` plus `readSync`. With loaded WebAssembly kernels
 * (`createCpuBackend()` loads them where the runtime has SIMD) the GEMMs, the fused recurrent
 * forward and backward, and add, sub, mul, affine, sumSquares and squaredErrorGrad of large
 * tensors run on them (`wasm/`); the other primitives stay in TypeScript.
 *
 * `new CpuBackend()` is the synchronous way to get the plain TypeScript engine (what
 * `createCpuBackend({ simd: false })` gives).
 */
export class CpuBackend extends KernelBackend<CpuTensor, CpuContext, CpuInfo, CpuQuantized> {
  constructor(opts: { wasm?: WasmKernels } = {}) {
    super(cpuBackendParts(opts.wasm ? { wasm: opts.wasm } : {}));
    if (opts.wasm && opts.wasm.threads > 1) workerCleanup.register(this, opts.wasm);
  }

  /** The cpu backend can read without waiting: a copy of x's data. */
  readSync(x: Tensor): Float32Array {
    return this.tensorOf(x, 'x', 'readSync').data.slice();
  }
}

export interface CpuBackendOptions {
  /**
   * WebAssembly SIMD kernels for the GEMMs and the fused recurrent kernels. Default: used when
   * the runtime has SIMD128, else the plain TypeScript kernels. `false` forces TypeScript;
   * `true` requires SIMD (throws UNSUPPORTED without it).
   */
  simd?: boolean;
  /**
   * The relaxed-SIMD build (fused multiply-add) where the runtime has relaxed SIMD. Default
   * true; `false` keeps plain SIMD128 multiply + add (bit-for-bit the same on every CPU).
   */
  fma?: boolean;
  /**
   * Threads for the large GEMMs (input projection, per-step recurrent GEMMs of big batches,
   * weight gradients, large matmuls): this thread plus `threads − 1` worker threads over
   * shared WebAssembly memory. Node only (worker_threads; the package's `node` export
   * condition carries them): elsewhere, browser bundles included, it stays 1. Default 1.
   * `'auto'`: the cores this process may use, at most AUTO_MAX_THREADS — for machines whose
   * cores are otherwise idle: on a loaded machine a worker's share runs late and two threads
   * measured 0.3–1.1× of one (README, Threads).
   */
  threads?: number | 'auto';
}

/**
 * What lets `createCpuBackend` start worker threads: the shared-memory builds with their thread
 * pool, and the cores for `'auto'`. Only the Node entry (src/node.ts) has it; without it
 * `threads` stays 1.
 */
export interface ThreadSupport {
  load: SharedKernelLoader;
  cores(): Promise<number>;
}

/** `createCpuBackend` of either entry: the default one passes no thread support. */
export async function startCpuBackend(options: CpuBackendOptions, threadSupport?: ThreadSupport): Promise<CpuBackend> {
  const t = options.threads;
  if (t !== undefined && t !== 'auto' && !(Number.isInteger(t) && t >= 1)) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `createCpuBackend: threads: expected an integer ≥ 1 or 'auto', got ${typeof t === 'string' ? JSON.stringify(t) : String(t)}`,
      { argument: 'threads' },
    );
  }
  if (options.simd === false) return new CpuBackend();
  const threads = !threadSupport ? 1 : t === 'auto' ? Math.min(AUTO_MAX_THREADS, await threadSupport.cores()) : (t ?? 1);
  const wasm = await loadWasmKernels({
    ...(options.fma === false ? { fma: false } : {}),
    threads,
    ...(threadSupport ? { shared: threadSupport.load } : {}),
  });
  if (!wasm && options.simd === true) {
    throw new RnnkitError(
      'UNSUPPORTED',
      `createCpuBackend: simd: true needs WebAssembly SIMD128, which this runtime lacks (${JSON.stringify(wasmSupport())}); leave simd unset to fall back to the TypeScript kernels`,
      {
        argument: 'simd',
      },
    );
  }
  return new CpuBackend(wasm ? { wasm } : {});
}

/**
 * Starts a CPU backend; `info().engine` says which kernels run: `cpu-wasm-relaxed-simd`,
 * `cpu-wasm-simd` or `cpu-js`. (`new CpuBackend()` gives `cpu-js` synchronously.)
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Promise<CpuBackend> {
  return startCpuBackend(options);
}

/** A registration entry whose `create` is `createCpuBackend` of one entry (this one or src/node.ts). */
export function cpuBackendDefinition(create: () => Promise<Backend>): BackendDefinition {
  return { name: 'cpu', priority: 100, create };
}

/**
 * Registration entry for `registerBackend(cpuBackend)`. Priority 100: the fallback every
 * platform has; GPU backends register higher.
 */
export const cpuBackend: BackendDefinition = cpuBackendDefinition(() => createCpuBackend());
