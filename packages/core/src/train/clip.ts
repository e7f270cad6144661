import type { Backend } from '../backend/backend.js';
import { checkObject, describe, RnnkitError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** Gradient clipping, as `fit`, `fitTruncated` and `trainStep` take it (neither is applied by default). */
export interface ClipOptions {
  /** Rescale all gradients together so their global L2 norm is at most this (clip_grad_norm_). @defaultValue none (no clipping) */
  maxNorm?: number | undefined;
  /** Clamp every gradient element into [−clipValue, clipValue] (clip_grad_value_), before the norm clip. @defaultValue none (no clipping) */
  clipValue?: number | undefined;
}

/** Checks `maxNorm` and `clipValue`: each undefined or a positive finite number. @throws RnnkitError INVALID_ARGUMENT naming the bad option */
export function checkClipOptions(o: ClipOptions): void {
  checkPositive(o.maxNorm, 'maxNorm');
  checkPositive(o.clipValue, 'clipValue');
}

function checkPositive(v: unknown, k: string): void {
  if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
    throw new RnnkitError('INVALID_ARGUMENT', `${k}: expected a positive finite number, got ${describe(v)}`, { argument: k });
  }
}

function checkGroups(be: Backend, groups: unknown): void {
  if (be === null || typeof be !== 'object' || typeof (be as Backend).sumSquares !== 'function')
    throw new RnnkitError('INVALID_ARGUMENT', `backend: expected a Backend, got ${describe(be)}`, { argument: 'backend' });
  if (!Array.isArray(groups) || !groups.every((g) => g instanceof Map))
    throw new RnnkitError('INVALID_ARGUMENT', `groups: expected a list of Maps of name → gradient tensor, got ${describe(groups)}`, { argument: 'groups' });
}

/** Global L2 norm over every tensor in `groups`: one read from the backend. Leaves nothing behind, whatever fails. */
export async function globalNorm(be: Backend, groups: readonly ReadonlyMap<string, Tensor>[]): Promise<number> {
  checkGroups(be, groups);
  return checkedGlobalNorm(be, groups);
}

async function checkedGlobalNorm(be: Backend, groups: readonly ReadonlyMap<string, Tensor>[]): Promise<number> {
  let acc: Tensor | undefined;
  try {
    for (const g of groups) {
      for (const t of g.values()) {
        const sq = be.sumSquares(t);
        if (acc) {
          let next: Tensor;
          try {
            next = be.add(acc, sq);
          } finally {
            be.dispose(sq);
          }
          be.dispose(acc);
          acc = next;
        } else acc = sq;
      }
    }
    if (!acc) return 0;
    return Math.sqrt((await be.read(acc))[0]);
  } finally {
    if (acc) be.dispose(acc);
  }
}

/**
 * Clips gradients in place (each map's tensors are replaced by clipped ones and the old ones
 * disposed) and returns the global L2 norm of the gradients as they came in, before any
 * clipping: the value `clip_grad_norm_` returns, reported every training step.
 */
export async function clipGradients(
  be: Backend,
  groups: readonly Map<string, Tensor>[],
  o: ClipOptions = {},
): Promise<{
  /** Global L2 norm of all gradients as they came in, before any clipping. */
  norm: number;
  /** True when any tensor was replaced: `clipValue` was set, or the norm exceeded `maxNorm`. */
  clipped: boolean;
}> {
  checkGroups(be, groups);
  checkObject(o, 'options', '{ maxNorm?, clipValue? }');
  checkClipOptions(o);
  return clipCheckedGradients(be, groups, o);
}

/** `clipGradients` for callers that checked `be`, `groups` and `o` already (a training step, once per call). */
export async function clipCheckedGradients(be: Backend, groups: readonly Map<string, Tensor>[], o: ClipOptions): Promise<{ norm: number; clipped: boolean }> {
  const norm = await checkedGlobalNorm(be, groups);
  let clipped = false;
  // Each tensor is replaced only once its clipped copy exists; on a failure the maps hold a mix of
  // clipped and unclipped tensors, every one owned by its map (the caller disposes them).
  const replace = (f: (t: Tensor) => Tensor) => {
    for (const g of groups) {
      for (const [k, t] of g) {
        const flat = f(t); // primitives answer in 2-D
        let shaped: Tensor;
        try {
          shaped = be.reshape(flat, t.shape);
        } finally {
          be.dispose(flat);
        }
        g.set(k, shaped);
        be.dispose(t);
      }
    }
  };
  let after = norm;
  if (o.clipValue !== undefined) {
    const c = o.clipValue;
    replace((t) => be.clip(t, -c, c));
    clipped = true;
    if (o.maxNorm !== undefined) after = await checkedGlobalNorm(be, groups);
  }
  if (o.maxNorm !== undefined && after > o.maxNorm) {
    const scale = o.maxNorm / (after + 1e-6);
    replace((t) => be.affine(t, scale, 0));
    clipped = true;
  }
  return { norm, clipped };
}
