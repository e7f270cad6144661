import { gateCount } from '@rnnkit/core';
import type { RecurrentForwardArgs, RecurrentSaved } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { GpuBuf } from '../pool.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkGemmGrid } from './gemm_impl.js';
import { stepShape } from './recurrent_step_impl.js';
import { sumRowsGroups } from './reduce_impl.js';

/** What the fused backward needs: every state and activated gate, on the device. */
export class WebgpuRecurrentSaved implements RecurrentSaved {
  private released = false;
  constructor(
    private readonly ctx: WebgpuContext,
    /** [T+1, B, H]: slot 0 is h0, slot t+1 the (masked) state after step t. */
    readonly hAll: GpuBuf,
    /** [T, B, GS]: activated gates (RNN: the unmasked new state; reset-after GRU: then W_hn h + b_hn). */
    readonly gates: GpuBuf,
    /** Row stride of `gates`. */
    readonly gateStride: number,
    /** LSTM [T+1, B, H] cell states. */
    readonly cAll: GpuBuf | undefined,
    /** Reset-before GRU [T, B, H]: r ⊙ h. */
    readonly aux: GpuBuf | undefined,
  ) {}
  dispose(): void {
    if (this.released) return;
    this.released = true;
    for (const b of [this.hAll, this.gates, this.cAll, this.aux]) if (b) this.ctx.releaseBuffer(b);
  }
}

/** The sizes of one layer direction, from arguments core has checked. */
export interface RecurrentSizes {
  T: number;
  B: number;
  D: number;
  H: number;
  G: number;
  /** Row stride of the saved gates: G·H, plus H for reset-after GRU (W_hn h + b_hn). */
  GS: number;
  /** Per-sequence lengths (all T when absent). */
  lengths: Int32Array;
  /** Workgroup shape of the step kernels (`stepShape`), and the workgroups of one step dispatch. */
  step: { WJ: number; WB: number };
  stepGroups: readonly [number, number];
}

/**
 * The sizes of a recurrent call, after refusing (UNSUPPORTED, naming `argument`) one whose
 * buffers exceed a storage binding or whose dispatches exceed the workgroup limit, before
 * anything is allocated or recorded. `backward` adds what BPTT holds: dPre [T·B, G·H], dx.
 */
export function recurrentSizes(ctx: WebgpuContext, op: string, argument: string, a: RecurrentForwardArgs<WebgpuTensor>, backward: boolean): RecurrentSizes {
  const [T, B, D] = a.x.shape;
  const G = gateCount(a.cell);
  const H = a.weightHh.shape[1];
  const GH = G * H;
  const GS = a.cell === 'gru' && a.gruResetAfter ? GH + H : GH;
  const largest = Math.max((T + 1) * B * Math.max(GS, H), backward ? T * B * D : 0);
  ctx.checkBinding(op, argument, largest, `the per-step buffers of T=${T} B=${B} H=${H}${backward ? ` D=${D}` : ''}`);
  const shape = stepShape(B);
  const stepGroups = [Math.ceil(H / shape.WJ), Math.ceil(B / shape.WB)] as const;
  ctx.checkWorkgroups(op, argument, Math.max(...stepGroups), `a step over B=${B} H=${H}`);
  checkGemmGrid(ctx, op, T * B, Math.max(GH, backward ? D : 0), argument);
  if (backward) {
    checkGemmGrid(ctx, op, GH, Math.max(D, H), argument);
    ctx.checkWorkgroups(op, argument, sumRowsGroups(GH), `bias gradients of ${GH} columns`);
  }
  const lengths = a.lengths ?? new Int32Array(B).fill(T);
  return { T, B, D, H, G, GS, lengths, step: shape, stepGroups };
}
