import type { BackendDefinition, BackendInfo } from '@rnnkit/core';
import type { BackendDefinitionParts } from '@rnnkit/core/backend';
import { KernelBackend } from '@rnnkit/core/backend';
import type { TfjsContext } from './context.js';
import { activate, createContext } from './context.js';
import type { EngineOptions, TfjsEngineKind } from './engine.js';
import { ENGINE_LABELS, startEngine } from './engine.js';
import { checkNotFailed, failureOf, guardKernels, guardMemory } from './failure.js';
import * as tfjsKernels from './kernels/index.js';
import { ENGINE_LIMITS } from './limits.js';
import { tfjsMemory } from './memory.js';
import type { TfjsTensor } from './tensor.js';
import { release } from './tensor.js';
import type { Tf } from './tf.js';

/** What `backend.info()` reports on the tfjs backend: core's fields plus the engine that runs. */
export interface TfjsBackendInfo extends BackendInfo {
  /** `tfjs-node`, `tfjs-wasm` or `tfjs-cpu`. */
  engine: string;
  /** The tfjs backend that runs the kernels: `tensorflow`, `wasm`, `cpu`. */
  tfBackend: string;
  /** tfjs-wasm only. In Node tfjs turns wasm threads off, so `threads` is false there. */
  wasm?: {
    /** Whether the tfjs-wasm binary in use is the SIMD build (the runtime supports WebAssembly SIMD). */
    simd: boolean;
    /** Whether the multithreaded build is in use (SharedArrayBuffer and cross-origin isolation in a browser; always false in Node). */
    threads: boolean;
  };
  /** Engines preferred over this one that could not start here, with why (e.g. tfjs-node's missing binding). */
  skipped?: string[];
  /**
   * Set once an engine call failed (a tfjs-wasm trap such as `RuntimeError: Aborted()`, or any
   * error tfjs threw): what failed and why. Every call since is BACKEND_FAILURE saying the same.
   */
  failed?: string;
}

type TfjsInfoFields = Pick<TfjsBackendInfo, 'tfBackend' | 'wasm' | 'skipped' | 'failed'>;

/** Options of `createTfjsBackend` (also `createBackend('tfjs', { options })`): the engine (`engine`, `wasmPaths`…) and its limits. */
export interface TfjsBackendOptions extends EngineOptions {
  /**
   * The largest tensor the backend makes, in bytes (an integer ≥ 4, or Infinity). Default: what
   * the engine holds — 2^30 (1 GiB) on tfjs-wasm, whose wasm32 heap is at most 4 GiB and must
   * hold an op's inputs and result at once; core's default (2^34) on tfjs-cpu and tfjs-node.
   * A larger request is refused with LIMIT_EXCEEDED before anything is uploaded.
   */
  maxTensorBytes?: number;
}

/**
 * The parts of the tfjs backend for a started engine: memory functions and the kernel table
 * (`kernels/`), with the engine's state as the context. Before every op the engine is made the
 * active tfjs backend (`check`), so backends on different engines interleave.
 */
export function tfjsBackendParts(ctx: TfjsContext, options: { maxTensorBytes?: number } = {}): BackendDefinitionParts<TfjsTensor, TfjsContext, TfjsInfoFields> {
  const maxTensorBytes = options.maxTensorBytes ?? ENGINE_LIMITS[ctx.kind].maxTensorBytes;
  return {
    name: 'tfjs',
    context: ctx,
    // Every engine call guarded: a tfjs error becomes BACKEND_FAILURE and fails the backend.
    memory: guardMemory(tfjsMemory),
    kernels: guardKernels(tfjsKernels),
    ...(maxTensorBytes !== undefined ? { limits: { maxTensorBytes } } : {}),
    info: (c) => {
      const failed = failureOf(c);
      return {
        engine: ENGINE_LABELS[c.kind],
        tfBackend: c.tfBackendName,
        ...(c.wasm ? { wasm: { ...c.wasm } } : {}),
        ...(c.skipped.length ? { skipped: [...c.skipped] } : {}),
        ...(failed !== undefined ? { failed } : {}),
      };
    },
    // tfjs kernels on cpu, wasm and node run synchronously: nothing is queued, so no sync.
    // Before every op: refuse if the backend (or its shared wasm engine) failed, then make the engine active.
    check: (c) => {
      checkNotFailed(c);
      activate(c);
    },
    // Releases every tf.Tensor a live tensor still holds; the tfjs engine stays registered.
    // On a failed engine releasing may throw: the handles are dropped anyway.
    destroy: (c) => {
      for (const x of [...c.held]) {
        try {
          release(c, x);
        } catch {
          x.tensor = null;
          c.held.delete(x);
        }
      }
    },
  };
}

/**
 * The tfjs backend: core's `KernelBackend` over the tfjs kernel table, plus what tfjs code needs
 * to run beside it (the tf namespace and a way to make this backend's engine active).
 */
export class TfjsBackend extends KernelBackend<TfjsTensor, TfjsContext, TfjsInfoFields> {
  /** The tfjs-core namespace the kernels run on; call `activate()` before using it directly. */
  get tf(): Tf {
    return this.context.tf;
  }
  /** Which engine runs the kernels. */
  get engineKind(): TfjsEngineKind {
    return this.context.kind;
  }
  /** Makes this backend's engine the active tfjs backend (for tfjs code run beside rnnkit, e.g. tfjs-layers). */
  activate(): void {
    activate(this.context);
  }
}

/**
 * Starts the tfjs backend: tfjs-node when its native binding loads, else tfjs-backend-wasm,
 * else tfjs-backend-cpu, or the engine forced by `options.engine`. Throws
 * RnnkitError('BACKEND_UNAVAILABLE') saying why when it can't start here. Nothing is loaded or
 * set in tfjs until this is called.
 */
export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<TfjsBackend> {
  const o = options ?? {};
  return new TfjsBackend(tfjsBackendParts(createContext(await startEngine(o)), o.maxTensorBytes !== undefined ? { maxTensorBytes: o.maxTensorBytes } : {}));
}

/** Register with core: `registerBackend(tfjsBackend)`, then `createBackend('tfjs', { options: { engine: 'wasm' } })`. */
export const tfjsBackend: BackendDefinition<TfjsBackendOptions> = {
  name: 'tfjs',
  priority: 50,
  create: (options?: TfjsBackendOptions) => createTfjsBackend(options),
};
