import type { CellKind } from '@rnnkit/core';
import { RnnkitError } from '@rnnkit/core';
import { type KernelDef, kernelFamily, type ScalarType } from '../program.js';
import { WGSL_MATH } from './elementwise_impl.js';
import { type Buf, buffersOf, EPILOGUE_INDICES, epilogue, gemmColumns, type StepStage } from './recurrent_step_impl.js';

/**
 * The sequence kernels: a whole layer direction in ONE dispatch. WebGPU has no barrier across
 * workgroups, so one workgroup owns a group of WB batch rows and loops over all T steps itself,
 * with a storage + workgroup barrier between steps (the form cuDNN's persistent RNNs take here).
 * Batch rows never depend on each other, so the workgroups never need to meet.
 *
 * Per step, per stage (the same stages as the per-step kernels, `recurrent_step_impl.ts`):
 *   1. barrier (the previous stage's storage writes are visible to the whole workgroup);
 *   2. the stage's GEMM operand — the [WB, K] rows of h_{t−1} (forward), r ⊙ h (reset-before
 *      GRU's second stage) or dPre_{t+1} / dHp_{t+1} (backward) — is staged in workgroup memory
 *      `As` [WB, KS], KS the largest K of the kernel;
 *   3. barrier; thread (j0, b) walks units j = j0, j0 + WJ, … < H of row b: accumulates
 *      acc[g] = Σ_k As[b, k] · W[wOff + k·ldw + g·H + j] in k order 0…K−1 (the per-step kernels'
 *      order, so both paths round alike) from W in storage, then runs the stage's epilogue —
 *      the very WGSL the per-step kernels run.
 * Backward ends with dh_0 = direct + dHp_0 W_hh (the per-step path's `finalDh` dispatch).
 *
 * The register variant (`RH` set; software adapters, H ≤ 128 for LSTM): H is compiled in, a workgroup
 * serves one batch row, each thread its units j = lid.x + m·WJ (two per thread forward,
 * SOFTWARE_FWD_UNITS; one in the unrolled backward; ⌈H/32⌉ in the loop form, SOFTWARE_LOOP_THREADS), loads its W elements (k, g) once before the loop over
 * steps, stages the operand row as vec4s, and loads each operand vec4 once for all its units
 * and gate columns (llvmpipe gathers every workgroup load per lane, uniform or not).
 * - Unrolled form: the weights in vec4 registers r{stage}_{m}_{g}_{q}, the GEMM unrolled over
 *   k reading the operand at constant indices. Backward sums its G·H-long column in G chains of
 *   H terms (one per gate block of dHp, k order within each, then added in gate order) — the
 *   forward's shape, which llvmpipe compiles far faster than one G·H-long chain.
 * - Loop form (`loopK`, backward past SOFTWARE_UNROLL_FLOATS.bwd weights per unit): the weights
 *   stay in one private array per unit and the GEMM loops over k (the trip count read from the
 *   H parameter, so no compiler unrolls it) in k order.
 * The weights reach the registers through a private array filled in a loop (written out as one
 * storage read per element, llvmpipe took minutes to compile 256 floats per thread).
 * Backward runs T + 1 iterations: the last (`fin`) computes dh_0 = direct + dHp_0 W_hh with the
 * same GEMM code on step 0's operand, so the kernel holds one copy of it.
 *
 * Buffers are the per-step kernels' (at most 8 bindings); the reset-before GRU forward binds the
 * union of its two stages' buffers, read-write where either writes.
 */

/** Which sequence kernel: the direction and the cell variant. */
export type SequenceCell = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru' | 'gru_reset_before';

export interface SequenceVariant {
  dir: 'fwd' | 'bwd';
  cell: SequenceCell;
  /** Workgroup: WJ unit lanes × WB batch rows. */
  WJ: number;
  WB: number;
  /** Row stride of the staged operand in workgroup memory: the largest K of the kernel's stages. */
  KS: number;
  /**
   * Register-resident weights: H as a compile-time constant. Set, each thread loads the W_hh
   * rows (forward) or columns (backward) of its ⌈H/WJ⌉ units once, before the loop over steps,
   * and every step's GEMM is unrolled over k against them; WB is then 1 (a workgroup per batch row).
   */
  RH?: number;
  /**
   * With RH: the GEMM a loop over k (bounded by the H parameter, so no compiler unrolls it)
   * against the weights in one private array per unit, instead of unrolled against registers:
   * compiles in seconds where the unrolled backward takes tens of seconds on llvmpipe.
   */
  loopK?: boolean;
}

export function sequenceCell(cell: CellKind, gruResetAfter: boolean): SequenceCell {
  return cell === 'gru' && !gruResetAfter ? 'gru_reset_before' : cell;
}

/** The per-step stages a sequence kernel runs each step, in order. */
function stagesOf(v: SequenceVariant): StepStage[] {
  if (v.dir === 'fwd') {
    switch (v.cell) {
      case 'gru_reset_before':
        return ['fwd_gru_rz', 'fwd_gru_n'];
      default:
        return [`fwd_${v.cell}` as StepStage];
    }
  }
  switch (v.cell) {
    case 'gru_reset_before':
      return ['bwd_gru_zn', 'bwd_gru_r'];
    default:
      return [`bwd_${v.cell}` as StepStage];
  }
}

/** The kernel's bindings: the union of its stages' (first stage's order, then any others). */
function bindingsOf(stages: readonly StepStage[]): { buffers: Buf[]; A: string[] } {
  const buffers: Buf[] = [];
  const A: string[] = [];
  for (const s of stages) {
    const b = buffersOf(s);
    A.push(b.A);
    for (const [name, access, type] of b.buffers) {
      const i = buffers.findIndex(([n]) => n === name);
      if (i < 0) buffers.push([name, access, type]);
      else if (access === 'read_write') buffers[i] = [name, 'read_write', type];
    }
  }
  return { buffers, A };
}

/** The reset-before GRU forward binds its stages' union in this order (8 bindings). */
const GRU_RB_FWD_ORDER = ['xp', 'w', 'bhh', 'len', 'hAll', 'y', 'gates', 'aux'];

const PARAMS: readonly (readonly [string, ScalarType])[] = [
  ['T', 'u32'],
  ['B', 'u32'],
  ['H', 'u32'],
  ['GH', 'u32'],
  ['GS', 'u32'],
  ['hasBhh', 'u32'],
  ['hasDy', 'u32'],
];

/** WGSL expressions of one stage's GEMM: K, operand base/stride, W offset/stride, whether it runs. */
interface GemmExprs {
  K: string;
  aBase: string;
  lda: string;
  wOff: string;
  ldw: string;
  doGemm: string;
}

function gemmOf(stage: StepStage): GemmExprs {
  switch (stage) {
    case 'fwd_gru_n': // n from W_hn (r ⊙ h): W_hhᵀ columns 2H…3H
      return { K: 'H', aBase: 't * P.B * H', lda: 'H', wOff: '2u * H', ldw: 'P.GH', doGemm: 'true' };
    case 'bwd_gru_r': // d(r ⊙ h) = dn_pre W_hn
      return { K: 'H', aBase: 't * P.B * P.GH + 2u * H', lda: 'P.GH', wOff: '2u * H * H', ldw: 'H', doGemm: 'true' };
    default:
      if (stage.startsWith('fwd')) return { K: 'H', aBase: 't * P.B * H', lda: 'H', wOff: '0u', ldw: 'P.GH', doGemm: 'true' };
      // dh_t's GEMM term is dHp_{t+1} W_hh; the last step has none.
      return { K: 'KB', aBase: '(t + 1u) * P.B * P.GH', lda: 'P.GH', wOff: '0u', ldw: 'H', doGemm: 't + 1u < P.T' };
  }
}

/** One stage of one step: barrier, stage the operand rows, barrier, GEMM + epilogue per unit. */
function stageCode(stage: StepStage, A: string, body: string, g: GemmExprs = gemmOf(stage)): string {
  const G = gemmColumns(stage);
  const gs = Array.from({ length: G }, (_, k) => k);
  const accumulate = gs.map((k) => `a${k} += av * w[wi + ${k}u * H];`).join('\n              ');
  return /* wgsl */ `{
      let K = ${g.K};
      let aBase = ${g.aBase};
      let lda = ${g.lda};
      let wOff = ${g.wOff};
      let ldw = ${g.ldw};
      let doGemm = ${g.doGemm};
      storageBarrier();
      workgroupBarrier();
      if (doGemm) {
        for (var e = tid; e < WB * K; e += WJ * WB) {
          let r = e / K;
          let kk = e % K;
          let bb = b0 + r;
          var v = 0.0;
          if (bb < P.B) { v = ${A}[aBase + bb * lda + kk]; }
          As[r * KS + kk] = v;
        }
      }
      workgroupBarrier();
      if (b < P.B) {
        for (var j = lid.x; j < H; j += WJ) {
          // Scalar accumulators (zeroed explicitly: a bare \`var acc\` array inside the loop kept
          // the previous value on lavapipe), four k per iteration while they last.
          ${gs.map((k) => `var a${k} = 0.0;`).join(' ')}
          if (doGemm) {
            let k4 = K & ~3u;
            let ar = lid.y * KS;
            for (var k = 0u; k < k4; k += 4u) {
              for (var u = 0u; u < 4u; u++) {
              let av = As[ar + k + u];
              let wi = wOff + (k + u) * ldw + j;
              ${accumulate}
              }
            }
            for (var k = k4; k < K; k++) {
              let av = As[ar + k];
              let wi = wOff + k * ldw + j;
              ${accumulate}
            }
          }
          let acc = array<f32, ${G}>(${gs.map((k) => `a${k}`).join(', ')});
          ${EPILOGUE_INDICES}
          ${body}
        }
      }
    }`;
}

/** A register stage's GEMM with numbers: K, the W element offset of (k, g, j) = wOff + k·ldw + g·H + j. */
interface RegGemm {
  K: number;
  wOff: number;
  ldw: number;
}

function regGemmOf(stage: StepStage, H: number, G: number, cell: SequenceCell): RegGemm {
  switch (stage) {
    case 'fwd_gru_n':
      return { K: H, wOff: 2 * H, ldw: G * H };
    case 'bwd_gru_r':
      return { K: H, wOff: 2 * H * H, ldw: H };
    default:
      if (stage.startsWith('fwd')) return { K: H, wOff: 0, ldw: G * H };
      return { K: cell === 'gru_reset_before' ? 2 * H : G * H, wOff: 0, ldw: H };
  }
}

/** Threads' units: j_m = lid.x + m·WJ for m < U. */
const unitsPerThread = (v: SequenceVariant) => Math.ceil((v.RH ?? 0) / v.WJ);

/**
 * Trip count of the loops over vec4s of k: ⌈K/4⌉ from the H parameter (K is H, 2H or G·H), so
 * that they stay loops: NIR folds and unrolls a constant trip count.
 */
const loopBound = (K: number, H: number) => `(${K / H}u * P.H + 3u) / 4u`;

/**
 * Weight declarations of stage `si`: the thread's W elements (k, g) for unit j_m, loaded once
 * before the loop over steps in a loop over k into the private array wp{si}_{m}[g·⌈K/4⌉ + q]
 * (vec4 q holds k = 4q…4q+3; past K, zeros). The unrolled form then copies them into registers
 * r{si}_{m}_{g}_{q} at constant indices; the loop form reads the array in its GEMM loop.
 * (Loading through a loop keeps llvmpipe's compile time down: the same loads written out, one
 * bounds-checked storage read per element, took LSTM H = 32 forward from ~1 s to ~7 s to
 * compile and H = 64 to minutes.)
 */
function regDecls(stage: StepStage, si: number, v: SequenceVariant, G: number): string {
  const H = v.RH!;
  const gm = regGemmOf(stage, H, G, v.cell);
  const Gc = gemmColumns(stage);
  const Qk = Math.ceil(gm.K / 4);
  const lines: string[] = [];
  for (let m = 0; m < unitsPerThread(v); m++) {
    lines.push(`var wp${si}_${m}: array<vec4f, ${Gc * Qk}>;
  for (var q = 0u; q < ${loopBound(gm.K, H)}; q++) {
    for (var g = 0u; g < ${Gc}u; g++) {
      var e = vec4f(0.0);
      for (var c = 0u; c < 4u; c++) {
        let k = 4u * q + c;
        if (k < ${gm.K}u) { e[c] = wl(${gm.wOff}u + k * ${gm.ldw}u + g * ${H}u + j${m}, j${m} < ${H}u); }
      }
      wp${si}_${m}[g * ${Qk}u + q] = e;
    }
  }`);
    if (v.loopK) continue;
    for (let g = 0; g < Gc; g++) {
      for (let q = 0; q < Qk; q++) lines.push(`let r${si}_${m}_${g}_${q} = wp${si}_${m}[${g * Qk + q}u];`);
    }
  }
  return lines.join('\n  ');
}

/**
 * The backward register kernel's last loop iteration (s = T, `fin`): dh_0 = direct + dHp_0 W_hh,
 * the main stage's GEMM on step 0's operand, in the same code as every other step's.
 */
interface FinalDh {
  /** WGSL of the stage's GEMM operand base on the other iterations. */
  aBase: string;
}

/**
 * One stage of one step with register weights: barrier, stage the operand row as vec4s,
 * barrier, unrolled GEMM + epilogue per unit. A backward GEMM longer than H (G·H, or 2H for
 * the reset-before GRU) sums in chains of H terms, one per gate block of dHp (k in
 * [cH, (c+1)H) in k order), added in gate order at the end: the forward's shape (G
 * accumulators of H terms), which llvmpipe compiles in a fraction of one G·H-long chain's time.
 * With `fin` (backward's main stage), iteration s = T computes dh_0 instead of a step.
 */
function regStageCode(stage: StepStage, si: number, A: string, body: string, v: SequenceVariant, G: number, fin?: FinalDh): string {
  const H = v.RH!;
  const { K } = regGemmOf(stage, H, G, v.cell);
  const g = gemmOf(stage);
  const Gc = gemmColumns(stage);
  const gs = Array.from({ length: Gc }, (_, k) => k);
  const ms = Array.from({ length: unitsPerThread(v) }, (_, m) => m);
  const comps = ['x', 'y', 'z', 'w'];
  // Chains of the one-column (backward) GEMM: K / H of them when K > H, else one.
  const chains = Gc === 1 && K > H && !v.loopK ? Math.ceil(K / H) : 1;
  const cs = Array.from({ length: chains }, (_, c) => c);
  const tail = (j: string, accs: string) => /* wgsl */ `if (${j} < H) {
        let j = ${j};
        let acc = array<f32, ${Gc}>(${accs});
        ${EPILOGUE_INDICES}
        ${fin ? `if (fin) { direct[bj] = direct[bj] + acc[0]; } else {\n        ${body}\n        }` : body}
      }`;
  let gemm: string;
  let units: string;
  if (v.loopK) {
    // A loop over k (its trip count from the H parameter, so no compiler unrolls it): each
    // operand vec4 is loaded once per k step for all the thread's units, whose weights are
    // one private array each (one array per unit: llvmpipe's compile time grows with the
    // size of a private array read at a variable index, times the reads). Padding past K is
    // 0 · 0 in both operands: adds +0, so the sums are the unrolled form's.
    const Qk = Math.ceil(K / 4);
    const terms = ms.flatMap((m) =>
      gs.map((gg) => `let r${m}_${gg} = wp${si}_${m}[${gg * Qk}u + q]; ${comps.map((c) => `a${m}_${gg} += h.${c} * r${m}_${gg}.${c};`).join(' ')}`),
    );
    gemm = /* wgsl */ `${ms.map((m) => gs.map((k) => `var a${m}_${k} = 0.0;`).join(' ')).join('\n      ')}
      if (doGemm) {
        for (var q = 0u; q < ${loopBound(K, H)}; q++) {
          let h = As4[q];
          ${terms.join('\n          ')}
        }
      }`;
    units = ms.map((m) => tail(`j${m}`, gs.map((k) => `a${m}_${k}`).join(', '))).join('\n      ');
  } else {
    // The GEMM of all the thread's units at once, unrolled: each operand vec4 is loaded once
    // (a workgroup load costs a gather on llvmpipe) and used for every unit and gate column.
    const acc: string[] = [];
    for (let q = 0; q < Math.ceil(K / 4); q++) {
      acc.push(`let h${q} = As4[${q}];`);
      for (const m of ms)
        for (const gg of gs) {
          for (let c = 0; c < 4 && 4 * q + c < K; c++) {
            const a = chains > 1 ? `c${m}_${Math.floor((4 * q + c) / H)}` : `a${m}_${gg}`;
            acc.push(`${a} += h${q}.${comps[c]} * r${si}_${m}_${gg}_${q}.${comps[c]};`);
          }
        }
    }
    if (chains > 1) for (const m of ms) acc.push(`a${m}_0 = ${cs.slice(1).reduce((e, c) => `(${e} + c${m}_${c})`, `c${m}_0`)};`);
    const decl = ms.map((m) => [...gs.map((k) => `var a${m}_${k} = 0.0;`), ...(chains > 1 ? cs.map((c) => `var c${m}_${c} = 0.0;`) : [])].join(' '));
    gemm = `${decl.join('\n      ')}
      if (doGemm) {
        ${acc.join('\n        ')}
      }`;
    units = ms.map((m) => tail(`j${m}`, gs.map((k) => `a${m}_${k}`).join(', '))).join('\n      ');
  }
  return /* wgsl */ `{
      let K = ${K}u;
      let aBase = ${fin ? `select(${fin.aBase}, 0u, fin)` : g.aBase};
      let lda = ${g.lda};
      let doGemm = ${fin ? `fin || ${g.doGemm}` : g.doGemm};
      storageBarrier();
      workgroupBarrier();
      if (doGemm) {
        for (var e = lid.x; e < ${Math.ceil(K / 4)}u; e += WJ) {
          let k0 = e * 4u;
          let base = aBase + b * lda + k0;
          var v = vec4f(0.0);
          v.x = ${A}[base];
          if (k0 + 1u < K) { v.y = ${A}[base + 1u]; }
          if (k0 + 2u < K) { v.z = ${A}[base + 2u]; }
          if (k0 + 3u < K) { v.w = ${A}[base + 3u]; }
          As4[e] = v;
        }
      }
      workgroupBarrier();
      ${gemm}
      ${units}
    }`;
}

export const sequenceKernel = kernelFamily((v: SequenceVariant): KernelDef => {
  const { dir, WJ, WB, KS } = v;
  const stages = stagesOf(v);
  const bind = bindingsOf(stages);
  let buffers = bind.buffers;
  if (dir === 'fwd' && v.cell === 'gru_reset_before') {
    buffers = GRU_RB_FWD_ORDER.map((n) => buffers.find(([m]) => m === n)!);
  }
  if (buffers.length > 8) throw new Error(`rnnkit webgpu internal: sequence kernel ${dir} ${v.cell} binds ${buffers.length} buffers`);
  const fwd = dir === 'fwd';
  // Backward's main GEMM width: dHp's columns that meet W_hh (2H for reset-before GRU: r and z).
  const KB = v.cell === 'gru_reset_before' ? '2u * H' : 'P.GH';
  const G = v.cell === 'lstm' ? 4 : v.cell.startsWith('gru') ? 3 : 1;
  if (v.RH !== undefined) return regKernel(v, stages, bind.A, buffers, G);
  const steps = stages.map((s, i) => stageCode(s, bind.A[i]!, epilogue(s))).join('\n    ');
  // dh_0 = direct + dHp_0 W_hh: the main stage's GEMM at t = 0 with step 0's operand.
  const final = fwd
    ? ''
    : (() => {
        const t0 = /* wgsl */ `{
    let t = 0u;
    ${stageCode(stages[0]!, bind.A[0]!, 'direct[bj] = direct[bj] + acc[0];', { K: 'KB', aBase: '0u', lda: 'P.GH', wOff: '0u', ldw: 'H', doGemm: 'true' })}
  }`;
        return t0;
      })();
  const code = /* wgsl */ `${WGSL_MATH}
const WJ = ${WJ}u;
const WB = ${WB}u;
const KS = ${KS}u;
var<workgroup> As: array<f32, ${WB * KS}>;
${fwd ? `fn bh(k: u32) -> f32 {\n  if (P.hasBhh != 0u) { return bhh[k]; }\n  return 0.0;\n}` : ''}

@compute @workgroup_size(${WJ}, ${WB})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let H = P.H;
  let KB = ${KB};
  let b0 = wid.x * WB;
  let b = b0 + lid.y;
  let tid = lid.y * WJ + lid.x;
  for (var s = 0u; s < P.T; s++) {
    let t = ${fwd ? 's' : 'P.T - 1u - s'};
    ${steps}
  }
  ${final}
}`;
  return { key: `seq_${dir}_${v.cell}_${WJ}x${WB}_k${KS}`, params: PARAMS, buffers, code };
});

/** The sequence kernel with register-resident weights (`SequenceVariant.RH`). */
function regKernel(v: SequenceVariant, stages: StepStage[], A: string[], buffers: Buf[], G: number): KernelDef {
  const { dir, WJ } = v;
  const H = v.RH!;
  const fwd = dir === 'fwd';
  const KS = Math.max(...stages.map((s) => regGemmOf(s, H, G, v.cell).K));
  const decls = stages.map((s, i) => regDecls(s, i, v, G)).join('\n  ');
  // Backward: the main stage also computes dh_0 on the extra iteration s = T (`fin`); the
  // other stage (reset-before GRU's d(r ⊙ h)) sits that iteration out.
  const steps = stages
    .map((s, i) => {
      if (fwd) return regStageCode(s, i, A[i]!, epilogue(s), v, G);
      if (i === 0) return regStageCode(s, i, A[i]!, epilogue(s), v, G, { aBase: gemmOf(s).aBase });
      return `if (!fin) ${regStageCode(s, i, A[i]!, epilogue(s), v, G)}`;
    })
    .join('\n    ');
  const js = Array.from({ length: unitsPerThread(v) }, (_, m) => `let j${m} = lid.x + ${m * WJ}u;`).join('\n  ');
  const code = /* wgsl */ `${WGSL_MATH}
const WJ = ${WJ}u;
var<workgroup> As4: array<vec4f, ${Math.ceil(KS / 4)}>;
fn wl(i: u32, ok: bool) -> f32 {
  if (ok) { return w[i]; }
  return 0.0;
}
${fwd ? `fn bh(k: u32) -> f32 {\n  if (P.hasBhh != 0u) { return bhh[k]; }\n  return 0.0;\n}` : ''}

@compute @workgroup_size(${WJ}, 1)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let H = ${H}u;
  let b = wid.x;
  ${js}
  ${decls}
  for (var s = 0u; s < ${fwd ? 'P.T' : 'P.T + 1u'}; s++) {
    ${fwd ? 'let t = s;' : 'let fin = s == P.T;\n    let t = select(P.T - 1u - s, 0u, fin);'}
    ${steps}
  }
}`;
  return { key: `seqreg_${dir}_${v.cell}_${WJ}_h${H}${v.loopK ? '_loop' : ''}`, params: PARAMS, buffers, code };
}

/** How a recurrent call runs: one dispatch per layer direction, or one (two) per step. */
export type RecurrentPath = 'sequence' | 'step';

/** The `recurrentPath` create option: `auto` (default) picks per call; the others force a path where it can run. */
export type RecurrentPathOption = 'auto' | RecurrentPath;

/** The device limits the choice reads. */
export interface SequenceLimits {
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupsPerDimension: number;
  /**
   * A software adapter (lavapipe/llvmpipe, SwiftShader): a workgroup runs on one CPU thread, so
   * `auto` weighs the per-step path's spread over several workgroups differently.
   */
  software: boolean;
}

/** The sequence path's units per thread and step beyond which `auto` keeps the per-step path. */
export const AUTO_MAX_UNITS_PER_THREAD = 4;

/**
 * On a software adapter, the recurrent work per step (G·H² multiply-adds per batch row) beyond
 * which `auto` keeps the per-step path. Measured on lavapipe (2 cores, scripts/paths-speed.mjs):
 * the sequence path was ~2× faster at H = 32 (LSTM 4,096, GRU 3,072) and ~0.5–0.8× at H = 64
 * (16,384 and 12,288): one workgroup is one CPU thread there, while the per-step path spreads
 * each step over ⌈H/64⌉ workgroups. It applies to the storage kernel only: the register kernel
 * is chosen first where it fits (SOFTWARE_REG_FLOATS).
 */
export const SOFTWARE_MAX_STEP_WORK = 8192;

/**
 * On a software adapter, the register-resident sequence kernel (`SequenceVariant.RH`) runs where
 * one unit's weights — G·K floats summed over the kernel's stages — are at most this many (512:
 * LSTM at H = 128, the issue #18 shapes' largest).
 */
export const SOFTWARE_REG_FLOATS = 512;

/**
 * The register kernel's GEMM is unrolled up to this many weights per unit, forward and
 * backward; past it, the loop form (`SequenceVariant.loopK`). Measured cold compiles on lavapipe
 * (one pipeline, one unit per thread, load average 3–10): unrolled forward LSTM H = 32 1–2 s,
 * H = 64 2–4 s, H = 128 (512 floats) 7.5–9.5 s. The unrolled backward (chains, one GEMM copy)
 * compiled LSTM H = 32 in ~3 s but H = 128 in ~20 s, and ran the training step only ~5% faster
 * than the loop form.
 */
export const SOFTWARE_UNROLL_FLOATS = { fwd: 512, bwd: 128 } as const;

/**
 * Threads of the register kernel's loop form (the backward past SOFTWARE_UNROLL_FLOATS.bwd):
 * at most 32 (four AVX2 vectors on llvmpipe), ⌈H/32⌉ units each, and each thread loads an
 * operand vec4 once for all its units — a workgroup-memory load is a per-lane gather on
 * llvmpipe, the loop's main cost. Measured on lavapipe (training step, sequence path): at H = 64
 * two units per thread ran 10–15% faster than one; at H = 128 four units another 11–15% over
 * two (LSTM 45.6 → 40.6 ms, GRU 36.2 → 30.7 ms). Eight gained little more and compiled 2–4×
 * longer (private arrays read at a variable index compile slowly there: 20–40 s cold at eight
 * units, H = 128; four units add ~5–7 s to a cold H = 128 training step's 15 s at two).
 */
export const SOFTWARE_LOOP_THREADS = 32;

/**
 * Units per thread of the unrolled forward register kernel (pow2(H)/2 threads): the operand
 * vec4s are loaded once for both. Measured on lavapipe (inference forward, sequence path, cold
 * compile of the whole call in brackets): LSTM H = 128 10.5 → 9.2 ms (11.0 → 13.5 s), GRU
 * H = 128 9.2 → 7.2 ms (8.2 → 11.0 s), LSTM H = 64 7.1 → 6.1 ms, GRU H = 32 5.0 → 4.0 ms;
 * four units gained ≤ 10% more for 5–9 s more compile at H = 128.
 */
export const SOFTWARE_FWD_UNITS = 2;

/** Weights per unit of the register kernel: Σ over stages of gate columns × K. */
export function registerFloats(dir: 'fwd' | 'bwd', cell: SequenceCell, H: number, G: number): number {
  if (dir === 'bwd') return cell === 'gru_reset_before' ? 3 * H : G * H;
  return G * H;
}

/** `WebgpuBackend.recurrentPlan`'s answer: the path one fused recurrent call takes, and the sequence kernel's shape. */
export interface SequencePlan {
  /** `sequence` (one dispatch per layer direction) or `step` (dispatches per time step). */
  path: RecurrentPath;
  /** Why this path (for the per-call report). */
  reason: string;
  /** The sequence kernel's workgroup shape (path 'sequence'): threads along the hidden units; 0 on the step path. */
  WJ: number;
  /** Batch rows per workgroup (path 'sequence'); 0 on the step path. */
  WB: number;
  /** Values staged in workgroup memory per batch row: H forward; backward G·H (2H for the reset-before GRU). */
  KS: number;
  /** Register-resident weights (the sequence kernel's `RH`): H, else undefined. */
  RH?: number;
  /** With RH: the loop form (`SequenceVariant.loopK`). */
  loopK?: boolean;
}

const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * Picks the path of one recurrent call. The sequence kernel can run when its staged operand
 * [WB, KS] fits the workgroup memory (maxComputeWorkgroupStorageSize) for some WB ≥ 1 and the
 * batch groups fit one dispatch; `auto` also wants at most AUTO_MAX_UNITS_PER_THREAD units per
 * thread and step (for larger H the per-step path spreads a step over many workgroups). On a
 * software adapter the register kernel comes first, up to SOFTWARE_REG_FLOATS weights per
 * thread (one workgroup per batch row, pow2(H) threads ≤ 256), unrolled up to
 * SOFTWARE_UNROLL_FLOATS, else in its loop form; past that, the storage kernel under the
 * SOFTWARE_MAX_STEP_WORK rule.
 * KS: H forward; backward G·H (2H for reset-before GRU), the columns of dHp that meet W_hh.
 */
export function planRecurrent(
  option: RecurrentPathOption,
  lim: SequenceLimits,
  dir: 'fwd' | 'bwd',
  cell: SequenceCell,
  B: number,
  H: number,
  G: number,
): SequencePlan {
  const KS = dir === 'fwd' ? H : cell === 'gru_reset_before' ? 2 * H : G * H;
  const none = { WJ: 0, WB: 0, KS };
  if (option === 'step') return { path: 'step', reason: 'forced (recurrentPath: step)', ...none };
  if (H < 1 || B < 1) return { path: 'step', reason: 'empty shape', ...none };
  const threads = Math.min(256, lim.maxComputeInvocationsPerWorkgroup);
  let WB = Math.min(4, pow2(B), lim.maxComputeWorkgroupSizeY);
  while (WB > 1 && WB * KS * 4 > lim.maxComputeWorkgroupStorageSize) WB /= 2;
  if (WB * KS * 4 > lim.maxComputeWorkgroupStorageSize) {
    return {
      path: 'step',
      reason: `${KS} staged values per batch row exceed maxComputeWorkgroupStorageSize (${lim.maxComputeWorkgroupStorageSize} bytes)`,
      ...none,
    };
  }
  if (Math.ceil(B / WB) > lim.maxComputeWorkgroupsPerDimension) {
    return { path: 'step', reason: `B=${B} needs more workgroups than maxComputeWorkgroupsPerDimension`, ...none };
  }
  const WJ = Math.max(1, Math.min(Math.floor(threads / WB), pow2(H), lim.maxComputeWorkgroupSizeX));
  const perThread = Math.ceil(H / WJ);
  const regFloats = registerFloats(dir, cell, H, G);
  if (lim.software && regFloats <= SOFTWARE_REG_FLOATS && B <= lim.maxComputeWorkgroupsPerDimension && pow2(H) <= threads) {
    const loopK = regFloats > SOFTWARE_UNROLL_FLOATS[dir];
    const regWJ = loopK ? Math.min(pow2(H), SOFTWARE_LOOP_THREADS) : dir === 'fwd' ? Math.max(1, pow2(H) / SOFTWARE_FWD_UNITS) : pow2(H);
    const U = Math.ceil(H / regWJ);
    const how = loopK
      ? `weights in private arrays, ${regFloats} floats per unit, ${U} unit(s) per thread, GEMM a loop over k`
      : `weights in registers, ${regFloats} floats per unit, ${U} unit(s) per thread`;
    const reason = option === 'sequence' ? `forced (recurrentPath: sequence); ${how}` : `fits (software adapter: ${how})`;
    return { path: 'sequence', reason, WJ: regWJ, WB: 1, KS, RH: H, ...(loopK ? { loopK } : {}) };
  }
  if (option === 'auto' && lim.software && G * H * H > SOFTWARE_MAX_STEP_WORK) {
    return {
      path: 'step',
      reason: `software adapter: G·H² = ${G * H * H} per step and batch row is past ${SOFTWARE_MAX_STEP_WORK}, where the per-step path measured faster`,
      ...none,
    };
  }
  if (option === 'auto' && perThread > AUTO_MAX_UNITS_PER_THREAD) {
    return {
      path: 'step',
      reason: `H=${H} is ${perThread} units per thread and step on ${WJ}×${WB} threads (auto keeps ≤ ${AUTO_MAX_UNITS_PER_THREAD})`,
      ...none,
    };
  }
  return {
    path: 'sequence',
    reason: option === 'sequence' ? 'forced (recurrentPath: sequence)' : `fits (${WJ}×${WB} threads, ${perThread} unit(s) per thread and step)`,
    WJ,
    WB,
    KS,
  };
}

/** Refuses a bad `recurrentPath` option. */
export function checkPathOption(v: unknown): RecurrentPathOption {
  if (v === undefined) return 'auto';
  if (v === 'auto' || v === 'sequence' || v === 'step') return v;
  throw new RnnkitError('INVALID_ARGUMENT', `createWebgpuBackend: recurrentPath: expected 'auto', 'sequence' or 'step', got ${JSON.stringify(v)}`, {
    argument: 'recurrentPath',
  });
}
