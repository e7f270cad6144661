import type { StartedEngine, TfjsEngineKind } from './engine.js';
import { ENGINE_LABELS } from './engine.js';
import { ENGINE_LIMITS } from './limits.js';
import type { TfjsTensor } from './tensor.js';
import type { Tf, TfTensor } from './tf.js';
import { registerRnnkitOps } from './tfjs_ops/register.js';

/** What the tfjs kernels share: the started engine and the tf.Tensors this backend's handles hold. */
export interface TfjsContext {
  /** The tfjs-core namespace. */
  readonly tf: Tf;
  /** Which engine runs the kernels: `node`, `wasm` or `cpu`. */
  readonly kind: TfjsEngineKind;
  /** `tfjs-node`, `tfjs-wasm` or `tfjs-cpu`, for messages. */
  readonly label: string;
  /** The most bytes one kernel's own working set may take on this engine (`limits.ts`); more is LIMIT_EXCEEDED before any tfjs call. */
  readonly maxWorkingBytes: number;
  /**
   * Set when an engine call failed (`failure.ts`): why, and the original error. From then on
   * every call is BACKEND_FAILURE saying why, and `info().failed` says it too.
   */
  readonly failure: {
    /** What failed and why, as every later BACKEND_FAILURE message says it; undefined while the engine works. */
    reason?: string;
    /** The error the engine threw (passed on as the `cause` of later BACKEND_FAILURE errors). */
    cause?: unknown;
  };
  /** The tfjs backend that runs the kernels: `tensorflow`, `wasm`, `cpu`. */
  readonly tfBackendName: string;
  /** tfjs-wasm only: whether SIMD and threads are in use. */
  readonly wasm?: {
    /** Whether the SIMD build of tfjs-wasm is in use. */
    simd: boolean;
    /** Whether the multithreaded build of tfjs-wasm is in use (always false in Node). */
    threads: boolean;
  };
  /** Engines preferred over this one that could not start, with why. */
  readonly skipped: readonly string[];
  /** tf.Tensors held by a handle: handing one out again clones it, so two handles never share one. */
  readonly owned: WeakSet<TfTensor>;
  /** Handles still holding their tf.Tensor: `destroy` releases them. */
  readonly held: Set<TfjsTensor>;
}

export function createContext(engine: StartedEngine): TfjsContext {
  if (engine.kind === 'wasm' || engine.kind === 'cpu') registerRnnkitOps(engine.tf, engine.kind);
  return {
    tf: engine.tf,
    kind: engine.kind,
    label: ENGINE_LABELS[engine.kind],
    maxWorkingBytes: ENGINE_LIMITS[engine.kind].maxWorkingBytes,
    failure: {},
    tfBackendName: engine.tfBackendName,
    ...(engine.wasm ? { wasm: { ...engine.wasm } } : {}),
    skipped: [...engine.skipped],
    owned: new WeakSet(),
    held: new Set(),
  };
}

/**
 * Makes this backend's engine the active tfjs backend, before every op (synchronous: the engine
 * is already initialized), so backends on different engines can interleave.
 */
export function activate(ctx: TfjsContext): void {
  if (ctx.tf.getBackend() !== ctx.tfBackendName) void ctx.tf.setBackend(ctx.tfBackendName);
}
