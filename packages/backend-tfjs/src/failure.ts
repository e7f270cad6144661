import { RnnkitError } from '@rnnkit/core';
import type { KernelTable, MemoryKernels } from '@rnnkit/core/backend';
import type { TfjsContext } from './context.js';
import type { TfjsTensor } from './tensor.js';

/**
 * tfjs engines that failed, with why. tfjs-wasm is one wasm instance per process, shared by every
 * tfjs backend on it: once it traps (`RuntimeError: Aborted()`, "memory access out of bounds")
 * its heap is not trustworthy and every later op traps too, so every backend on it is failed.
 */
const failedEngines = new WeakMap<object, string>();

function engineOf(ctx: TfjsContext): object | undefined {
  try {
    return ctx.tf.findBackend(ctx.tfBackendName) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Why this backend can't run work any more, or undefined while it can. */
export function failureOf(ctx: TfjsContext): string | undefined {
  if (ctx.failure.reason !== undefined) return ctx.failure.reason;
  if (ctx.kind !== 'wasm') return undefined;
  const engine = engineOf(ctx);
  const why = engine ? failedEngines.get(engine) : undefined;
  if (why !== undefined) ctx.failure.reason = `the tfjs-wasm engine this backend shares failed in another backend: ${why}`;
  return ctx.failure.reason;
}

/** The `check` hook's part: BACKEND_FAILURE saying why, on every call after a failure. */
export function checkNotFailed(ctx: TfjsContext): void {
  const why = failureOf(ctx);
  if (why === undefined) return;
  const fix =
    ctx.kind === 'wasm'
      ? 'the tfjs-wasm engine is shared by the whole process and does not recover: restart the process (or use another engine)'
      : 'create a new backend';
  throw new RnnkitError('BACKEND_FAILURE', `tfjs backend (${ctx.label}): it failed earlier and can't run work: ${why}; ${fix}`, {
    argument: 'backend',
    cause: ctx.failure.cause,
  });
}

const text = (e: unknown): string => {
  const s = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} characters)` : s;
};

/**
 * An error an engine call threw, as what leaves the backend: an RnnkitError (a kernel's own
 * LIMIT_EXCEEDED) passes through; anything else (a wasm trap, a RangeError from a failed
 * allocation, any tfjs error) marks the backend failed — and, for a wasm trap, the shared
 * tfjs-wasm engine — and becomes BACKEND_FAILURE with the original as `cause`.
 */
export function engineFailure(ctx: TfjsContext, op: string, e: unknown): RnnkitError {
  if (e instanceof RnnkitError) return e;
  const reason = `${op} threw ${text(e)}`;
  if (ctx.failure.reason === undefined) {
    ctx.failure.reason = reason;
    ctx.failure.cause = e;
  }
  if (ctx.kind === 'wasm' && e instanceof WebAssembly.RuntimeError) {
    const engine = engineOf(ctx);
    if (engine && !failedEngines.has(engine)) failedEngines.set(engine, reason);
  }
  return new RnnkitError(
    'BACKEND_FAILURE',
    `${op}: the tfjs engine (${ctx.label}) failed: ${text(e)}; this backend can't be used any more (every later call says so)`,
    { argument: 'backend', cause: e },
  );
}

type AnyFn = (ctx: TfjsContext, ...args: never[]) => unknown;

function guard<F extends AnyFn>(op: string, fn: F): F {
  return ((ctx: TfjsContext, ...args: never[]) => {
    try {
      return fn(ctx, ...args);
    } catch (e) {
      throw engineFailure(ctx, op, e);
    }
  }) as F;
}

/** The kernel table with every engine call guarded (see `engineFailure`). */
export function guardKernels(table: KernelTable<TfjsTensor, TfjsContext>): KernelTable<TfjsTensor, TfjsContext> {
  const out: Record<string, unknown> = {};
  for (const [op, fn] of Object.entries(table)) out[op] = typeof fn === 'function' ? guard(op, fn as AnyFn) : fn;
  return out as unknown as KernelTable<TfjsTensor, TfjsContext>;
}

/** The memory functions with every engine call guarded; `read` awaits inside the guard. */
export function guardMemory(m: MemoryKernels<TfjsTensor, TfjsContext>): MemoryKernels<TfjsTensor, TfjsContext> {
  return {
    upload: guard('upload', m.upload),
    zeros: guard('zeros', m.zeros),
    fill: guard('fill', m.fill),
    reshape: guard('reshape', m.reshape),
    ...(m.readSync ? { readSync: guard('readSync', m.readSync) } : {}),
    read: async (ctx, x) => {
      try {
        return await m.read(ctx, x);
      } catch (e) {
        throw engineFailure(ctx, 'read', e);
      }
    },
    dispose: (ctx, x) => {
      try {
        m.dispose(ctx, x);
      } catch (e) {
        // The handle is gone either way; on a failed engine its memory is lost with the engine.
        x.tensor = null;
        ctx.held.delete(x);
        const already = failureOf(ctx) !== undefined;
        const err = engineFailure(ctx, 'dispose', e);
        if (!already) throw err;
      }
    },
  };
}
