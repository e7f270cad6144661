import type { CellKind, Tensor } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import type { RecurrentForwardArgs } from '@rnnkit/core/backend';
import { compositeRecurrentBackward, compositeRecurrentForward } from '@rnnkit/core/backend';
import { describe, expect, it } from 'vitest';
import type { TfjsBackend } from '../src/index.js';
import { backendFor, ENGINES, maxAbsDiff, rand, readAll, tfTensors } from './helpers.js';

interface Variant {
  cell: CellKind;
  gruResetAfter: boolean;
  bias: 'ih' | 'hh';
  lengths: boolean;
  h0: boolean;
}

const variants: Variant[] = [];
for (const [cell, gruResetAfter] of [
  ['rnn_tanh', true],
  ['rnn_relu', true],
  ['lstm', true],
  ['gru', true],
  ['gru', false],
] as [CellKind, boolean][]) {
  // The kit runs both biases and none (fused vs composite, and the conformance cases); one of
  // the two alone takes its own path through the tfjs forward's bias folding.
  variants.push({ cell, gruResetAfter, bias: 'ih', lengths: true, h0: true });
  variants.push({ cell, gruResetAfter, bias: 'hh', lengths: false, h0: true });
}
const label = (v: Variant) =>
  `${v.cell}${v.cell === 'gru' ? (v.gruResetAfter ? ' reset-after' : ' reset-before') : ''} bias=${v.bias}${v.lengths ? ' lengths' : ''}${v.h0 ? ' h0' : ''}`;

/** Uploads one layer-direction's inputs; `held` collects every handle for disposal. */
function makeArgs(be: TfjsBackend, v: Variant, T: number, B: number, D: number, H: number, seed: number, held: Tensor[]): RecurrentForwardArgs {
  const G = gateCount(v.cell);
  const up = (n: number, shape: number[], s: number, scale = 1) => {
    const t = be.upload(
      rand(n, seed * 31 + s).map((x) => x * scale),
      shape,
    );
    held.push(t);
    return t;
  };
  const zeros = () => {
    const t = be.zeros([B, H]);
    held.push(t);
    return t;
  };
  const lengths = v.lengths ? Int32Array.from({ length: B }, (_, b) => (b === 1 ? T : 1 + ((b * 7 + seed) % T))) : undefined;
  return {
    cell: v.cell,
    gruResetAfter: v.gruResetAfter,
    x: up(T * B * D, [T, B, D], 1),
    h0: v.h0 ? up(B * H, [B, H], 2, 0.5) : zeros(),
    ...(v.cell === 'lstm' ? { c0: v.h0 ? up(B * H, [B, H], 3, 0.5) : zeros() } : {}),
    weightIh: up(G * H * D, [G * H, D], 4, 0.6),
    weightHh: up(G * H * H, [G * H, H], 5, 0.6),
    ...(v.bias === 'ih' ? { biasIh: up(G * H, [G * H], 6, 0.3) } : {}),
    ...(v.bias === 'hh' ? { biasHh: up(G * H, [G * H], 7, 0.3) } : {}),
    ...(lengths ? { lengths } : {}),
    training: true,
  };
}

describe.each(ENGINES)('fused recurrent kernels on tfjs-%s with one bias of the two agree with core composite kernels', (engine) => {
  it.each(variants.map((v) => [label(v), v] as const))('%s', async (_name, v) => {
    const be = await backendFor(engine);
    const live0 = be.liveTensors();
    const tf0 = tfTensors(be);
    const [T, B, D, H] = [6, 3, 5, 4];
    const held: Tensor[] = [];
    const args = makeArgs(be, v, T, B, D, H, 17, held);
    const dy = be.upload(rand(T * B * H, 99), [T, B, H]);
    const dhN = be.upload(rand(B * H, 98), [B, H]);
    const dcN = v.cell === 'lstm' ? be.upload(rand(B * H, 97), [B, H]) : undefined;
    held.push(dy, dhN, ...(dcN ? [dcN] : []));

    const fused = be.recurrentForward(args);
    const comp = compositeRecurrentForward(be, args);
    const gF = be.recurrentBackward({ forward: args, saved: fused.saved!, dy, dhN, ...(dcN ? { dcN } : {}) });
    const gC = compositeRecurrentBackward(be, { forward: args, saved: comp.saved!, dy, dhN, ...(dcN ? { dcN } : {}) });
    fused.saved!.dispose();
    comp.saved!.dispose();

    const pick = (f: { y: Tensor; hN: Tensor; cN?: Tensor }, g: typeof gC) => ({
      y: f.y,
      hN: f.hN,
      cN: f.cN,
      dx: g.dx,
      dh0: g.dh0,
      dc0: g.dc0,
      dWeightIh: g.dWeightIh,
      dWeightHh: g.dWeightHh,
      dBiasIh: g.dBiasIh,
      dBiasHh: g.dBiasHh,
    });
    const a = await readAll(be, pick(fused, gF));
    const b = await readAll(be, pick(comp, gC));
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(b)) {
      expect(maxAbsDiff(a[k], b[k]), k).toBeLessThan(1e-5);
    }
    if (v.lengths) {
      // Padded steps output exactly zero.
      const y = a.y;
      for (let t = 0; t < T; t++)
        for (let bb = 0; bb < B; bb++) if (t >= args.lengths![bb]) for (let j = 0; j < H; j++) expect(Math.abs(y[(t * B + bb) * H + j])).toBe(0);
    }
    for (const t of [...Object.values(pick(fused, gF)), ...Object.values(pick(comp, gC)), ...held]) if (t) be.dispose(t);
    expect(be.liveTensors()).toBe(live0);
    expect(tfTensors(be)).toBe(tf0);
  });
});
